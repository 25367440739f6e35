import Foundation

/// What to tell a user whose `timezone` is not an IANA zone identifier
/// (docs/rule-language.md §3.3).
///
/// The plain nearest-spelling suggestion misleads for the two usual
/// mistakes: a fixed offset (`GMT-3` is one edit away from `GMT`, a silent
/// three-hour shift) and an old or made-up area (`Brazil/Recife`, whose city
/// is `America/Recife`). Offsets get zones by city at that offset; names get
/// the zone of the same city first.
enum TimeZoneHints {
    /// The text after `unknown time zone 'ID'`: a `: …` explanation for a
    /// fixed offset, otherwise `; did you mean 'X'?` or nothing.
    static func hint(for id: String) -> String {
        if let offset = fixedOffset(id) {
            let zones = zones(atOffset: offset)
            let reading = ": a fixed offset is not a time zone (it ignores daylight saving and the zone's history); "
            if zones.isEmpty { return reading + "name the zone by its city, as in 'America/Sao_Paulo'" }
            return reading + "name the zone by its city: zones at \(describe(offset)) include "
                + zones.map { "'\($0)'" }.joined(separator: ", ")
        }
        if let city = zone(ofCity: id) { return "; did you mean '\(city)'?" }
        return Suggestion.hint(for: id, in: knownTimeZoneIdentifiers)
    }

    /// The offset in seconds east of UTC that `id` spells (`GMT-3`,
    /// `UTC+05:30`, `+03:00`, `-0300`), or nil.
    static func fixedOffset(_ id: String) -> Int? {
        var text = Substring(id.uppercased())
        for prefix in ["GMT", "UTC", "UT", "Z"] where text.hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
            break
        }
        text = text.drop { $0 == " " }
        guard let sign = text.first, sign == "+" || sign == "-" || sign == "−" else { return nil }
        let digits = text.dropFirst().filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            let number = Int(digits)
        else { return nil }
        let (hours, minutes) = digits.count <= 2 ? (number, 0) : (number / 100, number % 100)
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign == "+" ? 1 : -1) * (hours * 3600 + minutes * 60)
    }

    /// `UTC−03:00` for -10800.
    static func describe(_ offset: Int) -> String {
        let magnitude = abs(offset)
        let hours = magnitude / 3600, minutes = magnitude % 3600 / 60
        let pad = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return "UTC\(offset < 0 ? "−" : "+")\(pad(hours)):\(pad(minutes))"
    }

    /// Well-known zones, listed first among the zones at an offset.
    static let prominent: [String] = [
        "America/Sao_Paulo", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
        "America/Mexico_City", "America/Bogota", "America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires",
        "America/Caracas", "America/Manaus", "America/Recife", "America/Halifax", "America/St_Johns",
        "America/Anchorage", "America/Noronha", "Atlantic/Azores", "Europe/London", "Europe/Lisbon", "Europe/Paris",
        "Europe/Berlin", "Europe/Madrid", "Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow",
        "Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Tehran",
        "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta",
        "Asia/Shanghai", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul", "Australia/Perth", "Australia/Adelaide",
        "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu",
    ]

    /// Up to five zones whose offset is `offset` in January or July 2026:
    /// zones at that offset all year before those at it half the year,
    /// well-known ones first, one per country-like prefix.
    static func zones(atOffset offset: Int) -> [String] {
        let january = Date(timeIntervalSince1970: 1_768_478_400)  // 2026-01-15
        let july = Date(timeIntervalSince1970: 1_784_116_800)  // 2026-07-15
        /// 2 when the zone is at `offset` all year, 1 half the year, else 0.
        func months(_ id: String) -> Int {
            guard let zone = TimeZone(identifier: id) else { return 0 }
            return (zone.secondsFromGMT(for: january) == offset ? 1 : 0) + (zone.secondsFromGMT(for: july) == offset ? 1 : 0)
        }
        let regional = knownTimeZoneIdentifiers.filter {
            $0.contains("/") && !$0.hasPrefix("Etc/") && !prominent.contains($0)
        }
        var chosen: [String] = []
        var groups: Set<String> = []
        let candidates = prominent + regional
        let scored = candidates.map { ($0, months($0)) }
        for (id, _) in scored.filter({ $0.1 == 2 }) + scored.filter({ $0.1 == 1 }) where chosen.count < 5 {
            let parts = id.split(separator: "/")
            let group = parts.count > 2 ? parts.dropLast().joined(separator: "/") : id
            guard groups.insert(group).inserted else { continue }
            chosen.append(id)
        }
        return chosen
    }

    /// The zone whose city (last part) is the last part of `id`, ignoring
    /// case and reading spaces as underscores: `Brazil/Recife` and `recife`
    /// → `America/Recife`. Nil when no zone, or more than one, has it.
    static func zone(ofCity id: String) -> String? {
        guard let last = id.split(separator: "/").last else { return nil }
        let city = last.replacingOccurrences(of: " ", with: "_").lowercased()
        guard city.count >= 3 else { return nil }
        let found = knownTimeZoneIdentifiers.filter {
            $0.split(separator: "/").last.map { $0.lowercased() == city } ?? false
        }
        return found.count == 1 ? found[0] : nil
    }
}
