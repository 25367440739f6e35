import Foundation
import HeraldSyntax

/// A calendar as checked: its spec when it is valid.
struct CheckedCalendar {
    /// The key naming the calendar.
    var key: Node
    /// The calendar, nil when it had an error.
    var spec: CalendarSpec?
    /// Its time zone, when that is valid (also when its hours are not, so
    /// `zone-mismatch` is still reported beside them).
    var timeZone: String?
}

/// A location or region as checked.
struct CheckedPlace {
    /// The key naming the place.
    var key: Node
    /// The place for the model.
    var place: Place
    /// Whether it names a calendar (even one with errors, so that a missing
    /// calendar is not reported on top of them).
    var hasCalendar: Bool
}

/// Calendars (docs/rule-language.md §3.3), locations (§3.1) and regions (§3.2).
extension RuleSetChecker {
    static let calendarKeys = ["timezone", "hours", "closed"]
    static let placeKeys = ["name", "timezone", "calendar", "notifications", "reply_to", "vars"]
    /// Day keys by weekday index, for messages.
    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Checks every calendar.
    mutating func checkCalendars() {
        for section in calendarSections {
            for pair in namedEntries(section, context: "'calendars'", kind: .calendar) {
                let id = pair.key.text ?? ""
                let isFirst = define(id, kind: .calendar, at: pair.key.range)
                let (spec, zone) = calendar(id, node: pair.value, owner: pair.key)
                if isFirst { calendars[id] = CheckedCalendar(key: pair.key, spec: spec, timeZone: zone) }
            }
        }
    }

    /// The calendar, nil when it has an error, and its time zone when that is valid.
    private mutating func calendar(_ id: String, node: Node, owner: Node) -> (CalendarSpec?, String?) {
        let context = "calendar '\(id)'"
        guard let mapping = keyed(node, known: Self.calendarKeys, context: context) else { return (nil, nil) }
        var valid = true
        var zone: String?
        if let z = required("timezone", in: mapping, context: context, owner: owner) {
            zone = timeZone(z)
        }
        var week = [[MinuteSpan]](repeating: [], count: 7)
        if let hours = required("hours", in: mapping, context: context, owner: owner) {
            if let w = workingWeek(hours, calendar: id) { week = w } else { valid = false }
        } else {
            valid = false
        }
        var closed: Set<LocalDate> = []
        var closedEveryYear: Set<AnnualDate> = []
        if let c = mapping["closed"] {
            if let items = list(c, for: "closed") {
                for (text, item) in items {
                    if let date = localDate(text) {
                        closed.insert(date)
                    } else if let date = annualDate(text) {
                        closedEveryYear.insert(date)
                    } else {
                        report(.wrongType(
                            "'\(text)' in 'closed' is not a date (YYYY-MM-DD for that day, MM-DD for every year)",
                            at: item.range))
                        valid = false
                    }
                }
            } else {
                valid = false
            }
        }
        guard valid, let zone else { return (nil, zone) }
        return (CalendarSpec(id: id, timeZone: zone, week: week, closed: closed, closedEveryYear: closedEveryYear), zone)
    }

    /// `hours`: day keys (a day named twice is `invalid-hours` at the later
    /// key) with their spans. Nil when anything was wrong.
    private mutating func workingWeek(_ node: Node, calendar id: String) -> [[MinuteSpan]]? {
        var week = [[MinuteSpan]](repeating: [], count: 7)
        var namedBy = [Node?](repeating: nil, count: 7)
        var valid = true
        guard node.isNull || node.pairs != nil else {
            report(.wrongType("'hours' of calendar '\(id)' must be a mapping of days to hours, not \(describe(node))", at: node.range))
            return nil
        }
        for pair in node.pairs ?? [] {
            guard let keyText = pair.key.text, !pair.key.isNull else {
                report(.wrongType("days in 'hours' must be text, not \(describe(pair.key))", at: pair.key.range))
                valid = false
                continue
            }
            var days: [Int] = []
            switch HoursSyntax.parseDays(keyText) {
            case .success(let d): days = d
            case .failure(let issue):
                report(issue.diagnostic(in: pair.key))
                valid = false
            }
            var spans: [MinuteSpan] = []
            if let text = string(pair.value, for: keyText) {
                switch HoursSyntax.parseSpans(text) {
                case .success(let s): spans = s
                case .failure(let issue):
                    report(issue.diagnostic(in: pair.value))
                    valid = false
                }
            } else {
                valid = false
            }
            for day in days where week.indices.contains(day) {
                if let earlier = namedBy[day] {
                    report(.error(
                        .invalidHours,
                        "'\(Self.dayNames[day])' is named twice in 'hours' of calendar '\(id)' "
                            + "(first in '\(earlier.text ?? "")' at line \(earlier.range.start.line))",
                        at: pair.key.range))
                    valid = false
                    continue
                }
                namedBy[day] = pair.key
                week[day] = spans
            }
        }
        return valid ? week : nil
    }

    /// An IANA zone identifier; `invalid-time-zone` with a suggestion otherwise.
    mutating func timeZone(_ node: Node) -> String? {
        guard let id = string(node, for: "timezone") else { return nil }
        let valid: Bool
        if let cached = caches.timeZones[id] {
            valid = cached
        } else {
            valid = isKnownTimeZone(id)
            caches.timeZones[id] = valid
        }
        if valid { return id }
        report(.error(
            .invalidTimeZone,
            "unknown time zone '\(id)'" + TimeZoneHints.hint(for: id),
            at: node.range))
        return nil
    }

    /// Checks every location and region.
    mutating func checkPlaces() {
        for section in locationSections {
            for pair in namedEntries(section, context: "'locations'", kind: .location) {
                let id = pair.key.text ?? ""
                let isFirst = define(id, kind: .location, at: pair.key.range)
                let place = place(id, kind: .location, node: pair.value, owner: pair.key)
                if isFirst, let place {
                    locations[id] = place
                    locationOrder.append(id)
                }
            }
        }
        for section in regionSections {
            for pair in namedEntries(section, context: "'regions'", kind: .region) {
                let id = pair.key.text ?? ""
                let isFirst = define(id, kind: .region, at: pair.key.range)
                let place = place(id, kind: .region, node: pair.value, owner: pair.key)
                if isFirst, let place {
                    regions[id] = place
                    regionOrder.append(id)
                }
            }
        }
    }

    private mutating func place(_ id: String, kind: Entity, node: Node, owner: Node) -> CheckedPlace? {
        let context = "\(kind.rawValue) '\(id)'"
        guard let mapping = keyed(node, known: Self.placeKeys, context: context) else { return nil }
        var place = Place(id: id, name: id)
        if kind == .region {
            if let n = required("name", in: mapping, context: context, owner: owner), let name = string(n, for: "name") {
                place.name = name
            }
        } else if let n = mapping["name"], let name = string(n, for: "name") {
            place.name = name
        }
        if let z = mapping["timezone"] { place.timeZone = timeZone(z) }
        var hasCalendar = false
        if let c = mapping["calendar"], let calendarID = string(c, for: "calendar") {
            hasCalendar = true
            if definitions.contains(calendarID, kind: .calendar) {
                place.calendar = calendarID
                let calendarZone = calendars[calendarID]?.timeZone
                if mapping["timezone"] == nil {
                    place.timeZone = calendarZone
                } else if let own = place.timeZone, let calendarZone, let z = mapping["timezone"], own != calendarZone {
                    report(.warning(
                        .zoneMismatch,
                        "\(context) has time zone '\(own)' but its calendar '\(calendarID)' has '\(calendarZone)': "
                            + "working hours are read in '\(calendarZone)', times are written in '\(own)'",
                        at: z.range))
                }
            } else {
                report(.unknownName(calendarID, kind: "calendar", known: definitions.names(.calendar), at: c.range))
                if let meant = Suggestion.closest(to: calendarID, in: definitions.names(.calendar).sorted()) { meantCalendars.insert(meant) }
            }
        }
        if kind == .location, !mapping.mentions("timezone"), !mapping.mentions("calendar") {
            report(.missingKey(
                "\(context) has no time zone: set 'timezone' or a 'calendar' that has one",
                at: mapping.anchor(orElse: owner)))
        }
        if let n = mapping["notifications"], let on = bool(n, for: "notifications") { place.notifications = on }
        if let r = mapping["reply_to"], let address = string(r, for: "reply_to") {
            if isValidEmail(address) {
                place.replyTo = address
            } else {
                report(.error(.invalidEmail, "invalid email address '\(address)' in 'reply_to' of \(context)", at: r.range))
            }
        }
        if let v = mapping["vars"] { place.vars = vars(v, of: context) }
        return CheckedPlace(key: owner, place: place, hasCalendar: hasCalendar)
    }

    /// `vars`: names to text values.
    private mutating func vars(_ node: Node, of context: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in namedEntries(node, context: "'vars' of \(context)") {
            let name = pair.key.text ?? ""
            if name.contains(".") || name.contains(where: \.isWhitespace) {
                report(.wrongType("variable name '\(name)' must not contain dots or spaces", at: pair.key.range))
                continue
            }
            if let value = string(pair.value, for: name), result[name] == nil { result[name] = value }
        }
        return result
    }
}

extension Diagnostic {
    /// `unknown-KIND` for a reference to an undefined name, with a suggestion.
    static func unknownName(
        _ name: String, kind: String, known: some Sequence<String>, at range: SourceRange, detail: String = ""
    ) -> Diagnostic {
        let names = Array(known).sorted()
        let hint = Suggestion.hint(for: name, in: names)
        let why = names.isEmpty ? ": the rule set declares no \(kind)s" : detail
        // `.unknownCalendar`, `.unknownTemplate`, `.unknownLocation` or `.unknownRegion`.
        return .error(DiagnosticCode(rawValue: "unknown-\(kind)"), "unknown \(kind) '\(name)'\(why)\(hint)", at: range)
    }
}

/// Every zone identifier Foundation knows, and `UTC`, for suggestions.
let knownTimeZoneIdentifiers: [String] = {
    var ids = Set(TimeZone.knownTimeZoneIdentifiers)
    ids.insert("UTC")
    return ids.sorted()
}()

/// Whether `id` names an IANA zone (or `UTC`). Identifiers Foundation only
/// accepts by rewriting them (`GMT+3` → `GMT+0300`) are not IANA names.
func isKnownTimeZone(_ id: String) -> Bool {
    if id == "UTC" { return true }
    // Foundation also takes `GMT-0500` and `GMT+0300`, which are not IANA
    // names but fixed offsets, refused in every other spelling (`GMT-5`).
    if TimeZoneHints.fixedOffset(id) != nil { return false }
    guard let zone = TimeZone(identifier: id) else { return false }
    return zone.identifier == id
}

/// A valid address (docs/rule-language.md §9): one `@`, a non-empty local part, a domain with
/// a dot, no spaces.
func isValidEmail(_ text: String) -> Bool {
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { return false }
    return !text.contains(where: \.isWhitespace)
}

/// `YYYY-MM-DD`, a real date of the proleptic Gregorian calendar.
/// `MM-DD`: a day of the year (`02-29` allowed: it closes leap days only).
func annualDate(_ text: String) -> AnnualDate? {
    let u = Array(text.utf8)
    guard u.count == 5, u[2] == 45, u.enumerated().allSatisfy({ $0.offset == 2 || (48...57).contains($0.element) }) else {
        return nil
    }
    let m = Int(u[0] - 48) * 10 + Int(u[1] - 48)
    let d = Int(u[3] - 48) * 10 + Int(u[4] - 48)
    let lengths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    guard (1...12).contains(m), (1...lengths[m - 1]).contains(d) else { return nil }
    return AnnualDate(month: m, day: d)
}

func localDate(_ text: String) -> LocalDate? {
    let u = Array(text.utf8)
    guard u.count == 10, u[4] == 45, u[7] == 45 else { return nil }
    func number(_ range: Range<Int>) -> Int? {
        var n = 0
        for i in range {
            guard (48...57).contains(u[i]) else { return nil }
            n = n * 10 + Int(u[i] - 48)
        }
        return n
    }
    guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10), (1...12).contains(m) else { return nil }
    guard (1...CivilDays.daysInMonth(year: y, month: m)).contains(d) else { return nil }
    return LocalDate(year: y, month: m, day: d)
}
