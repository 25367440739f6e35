import Foundation
public import HeraldModel
import Synchronization

/// A wall-clock date and time without a zone, to the second.
public struct LocalDateTime: Sendable, Hashable, Comparable {
    /// The calendar date.
    public var date: LocalDate
    /// Seconds since local midnight, 0..<86400.
    public var secondOfDay: Int

    /// Creates a local date-time.
    public init(date: LocalDate, secondOfDay: Int) {
        self.date = date
        self.secondOfDay = secondOfDay
    }

    /// Creates the local date-time `seconds` after 1970-01-01T00:00:00 (wall clock).
    public init(secondsSince1970 seconds: Int64) {
        let days = CivilDays.floorDivide(seconds, 86_400)
        self.date = LocalDate(daysSince1970: Int(days))
        self.secondOfDay = Int(seconds &- days &* 86_400)
    }

    /// Wall-clock seconds since 1970-01-01T00:00:00, as if the zone were UTC.
    public var secondsSince1970: Int64 {
        Int64(date.daysSince1970) &* 86_400 &+ Int64(secondOfDay)
    }

    /// Orders chronologically.
    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        (a.date, a.secondOfDay) < (b.date, b.secondOfDay)
    }

    /// Day of week, 0 = Monday … 6 = Sunday.
    public var weekday: Int { LocalDateTime.weekday(of: date) }

    /// Day of week of a date, 0 = Monday … 6 = Sunday.
    public static func weekday(of date: LocalDate) -> Int {
        CivilDays.weekday(ofDay: date.daysSince1970)
    }
}

extension LocalDate {
    /// The date `days` days after 1970-01-01 (negative: before).
    public init(daysSince1970 days: Int) {
        let civil = CivilDays.civil(fromDays: days)
        self.init(year: civil.year, month: civil.month, day: civil.day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian calendar).
    public var daysSince1970: Int {
        CivilDays.days(year: year, month: month, day: day)
    }

    /// Whether the fields name a real Gregorian date (month 1–12, day within the month).
    var isGregorianDate: Bool {
        (1...12).contains(month) && day >= 1 && day <= CivilDays.daysInMonth(year: year, month: month)
    }
}


/// An IANA time zone with fast offset look-ups and the wall-clock rules of
/// docs/rule-language.md §6 (a wall time in a spring-forward gap moves forward by the gap's
/// length; an ambiguous fall-back time is the earlier instant).
///
/// The zone's transitions between 1900 and 2200 are read once from Foundation
/// per process and identifier; a look-up then starts from the count of
/// transitions before its span of about 194 days and steps over the span's
/// few transitions; outside that window Foundation answers directly.
public struct Zone: Sendable, Hashable {
    /// The IANA identifier (`UTC` for the default zone).
    public let identifier: String
    /// The shared, immutable transition table.
    let rules: ZoneRules

    /// The zone for an IANA identifier; nil when unknown.
    public init?(identifier: String) {
        guard let rules = ZoneRules.shared(for: identifier) else { return nil }
        self.identifier = identifier
        self.rules = rules
    }

    private init(identifier: String, rules: ZoneRules) {
        self.identifier = identifier
        self.rules = rules
    }

    /// UTC.
    public static let utc = Zone(identifier: "UTC", rules: ZoneRules.utc)

    /// Same identifier.
    public static func == (a: Zone, b: Zone) -> Bool { a.identifier == b.identifier }

    /// Hashes the identifier.
    public func hash(into h: inout Hasher) { h.combine(identifier) }

    /// Offset from UTC in seconds at an instant (seconds since 1970).
    public func offset(at instant: Int64) -> Int { Int(rules.offset(at: instant)) }

    /// The wall-clock date-time at an instant.
    public func local(at instant: Int64) -> LocalDateTime {
        LocalDateTime(secondsSince1970: localSeconds(at: instant))
    }

    /// The instant of a wall-clock date-time (gap: forward by the gap; ambiguous: earlier).
    public func instant(of local: LocalDateTime) -> Int64 {
        rules.earliestInstant(ofLocal: local.secondsSince1970)
    }

    /// Both instants of a wall-clock date-time: equal unless it is ambiguous
    /// (fall-back), in which case `earlier` < `later`. A time in a gap gives
    /// the gap-rule instant twice.
    public func instants(of local: LocalDateTime) -> (earlier: Int64, later: Int64) {
        let l = local.secondsSince1970
        return (rules.earliestInstant(ofLocal: l), rules.latestInstant(ofLocal: l))
    }

    /// Wall-clock seconds since 1970-01-01T00:00:00 at an instant (`instant + offset`).
    public func localSeconds(at instant: Int64) -> Int64 {
        instant &+ rules.offset(at: instant)
    }

    /// Offset transitions `t` with `from <= t < to`, ascending (only those the
    /// table holds: 1900–2200).
    func transitions(from: Int64, to: Int64) -> ArraySlice<Int64> {
        rules.transitions(from: from, to: to)
    }
}

/// The offsets of one zone: transition instants and the offset in force after each.
final class ZoneRules: Sendable {
    /// 1900-01-01T00:00:00Z.
    static let windowStart: Int64 = -2_208_988_800
    /// 2200-01-01T00:00:00Z.
    static let windowEnd: Int64 = 7_258_118_400

    /// Transition instants, ascending.
    let transitions: [Int64]
    /// `offsets[k]` is the offset after `k` transitions (count = transitions + 1).
    let offsets: [Int64]
    /// Wall-clock boundaries: a local time `L` with `L >= localBoundaries[i]` lies
    /// after transition `i` (ambiguous times resolve to the earlier side; gap
    /// times use the offset before the gap, which moves them forward by its length).
    let localBoundaries: [Int64]
    /// Foundation's zone for instants outside the window; nil when the table is exact everywhere.
    let fallback: TimeZone?
    /// Per span of `2^spanShift` seconds from `windowStart` (about 194
    /// days: at most a few transitions in each), the number of transitions
    /// before the span starts: a look-up starts there and steps over the
    /// span's few transitions instead of searching the whole table.
    private let transitionsBeforeSpan: [Int32]
    /// The same for `localBoundaries`.
    private let boundariesBeforeSpan: [Int32]
    private static let spanShift: Int64 = 24
    private static let spanCount = Int((windowEnd &- windowStart) >> spanShift) + 1

    init(transitions: [Int64], offsets: [Int64], fallback: TimeZone?) {
        self.transitions = transitions
        self.offsets = offsets
        self.fallback = fallback
        var boundaries: [Int64] = []
        boundaries.reserveCapacity(transitions.count)
        var running = Int64.min
        for (i, t) in transitions.enumerated() {
            running = max(running, t &+ max(offsets[i], offsets[i + 1]))
            boundaries.append(running)
        }
        self.localBoundaries = boundaries
        transitionsBeforeSpan = Self.spanStarts(transitions)
        boundariesBeforeSpan = Self.spanStarts(boundaries)
    }

    /// For each span, how many of the ascending `instants` come before it.
    private static func spanStarts(_ instants: [Int64]) -> [Int32] {
        guard !instants.isEmpty else { return [] }
        var starts: [Int32] = []
        starts.reserveCapacity(spanCount)
        var k = 0
        for span in 0..<spanCount {
            let start = windowStart &+ (Int64(span) << spanShift)
            while k < instants.count && instants[k] < start { k += 1 }
            starts.append(Int32(k))
        }
        // Debug builds (the tests) check every span against a search.
        assert(starts.indices.allSatisfy { span in
            Int(starts[span]) == search(instants, atOrBefore: windowStart &+ (Int64(span) << spanShift) &- 1)
        })
        return starts
    }

    /// Number of `instants` at or before `t`, starting from `table`'s
    /// count for `t`'s span inside the window (a binary search outside).
    @inline(__always)
    private static func count(_ instants: [Int64], _ table: [Int32], atOrBefore t: Int64) -> Int {
        if instants.isEmpty { return 0 }
        if t >= windowStart && t < windowEnd {
            var k = Int(table[Int((t &- windowStart) >> spanShift)])
            while k < instants.count && instants[k] <= t { k &+= 1 }
            return k
        }
        return search(instants, atOrBefore: t)
    }

    /// Number of the ascending `instants` at or before `t`, by binary search.
    private static func search(_ instants: [Int64], atOrBefore t: Int64) -> Int {
        var low = 0
        var high = instants.count
        while low < high {
            let mid = (low + high) >> 1
            if instants[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static let utc = ZoneRules(transitions: [], offsets: [0], fallback: nil)

    private static let cache = Mutex<[String: ZoneRules]>([:])

    /// The rules of an identifier, built once per process; nil when unknown.
    static func shared(for identifier: String) -> ZoneRules? {
        if identifier == "UTC" || identifier == "Etc/UTC" { return utc }
        if let cached = cache.withLock({ $0[identifier] }) { return cached }
        guard let built = build(identifier) else { return nil }
        return cache.withLock { table in
            if let raced = table[identifier] { return raced }
            table[identifier] = built
            return built
        }
    }

    /// Probes Foundation's transitions over the window.
    private static func build(_ identifier: String) -> ZoneRules? {
        guard !identifier.isEmpty, let zone = TimeZone(identifier: identifier) else { return nil }
        let start = Date(timeIntervalSince1970: Double(windowStart))
        let end = Date(timeIntervalSince1970: Double(windowEnd))
        var transitions: [Int64] = []
        var offsets: [Int64] = [Int64(zone.secondsFromGMT(for: start))]
        var cursor = start
        var guardCount = 0
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < end, next > cursor,
            guardCount < 100_000
        {
            guardCount += 1
            cursor = next
            let offset = Int64(zone.secondsFromGMT(for: next))
            guard let last = offsets.last, offset != last else { continue }
            transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
            offsets.append(offset)
        }
        // A zone with one offset over the whole window is taken as fixed everywhere.
        let endOffset = Int64(zone.secondsFromGMT(for: end))
        let fixed = transitions.isEmpty && endOffset == offsets[0]
        return ZoneRules(transitions: transitions, offsets: offsets, fallback: fixed ? nil : zone)
    }

    /// Number of transitions at or before `t`.
    @inline(__always)
    private func countTransitions(atOrBefore t: Int64) -> Int {
        Self.count(transitions, transitionsBeforeSpan, atOrBefore: t)
    }

    /// Number of local boundaries at or before `l`.
    @inline(__always)
    private func countBoundaries(atOrBefore l: Int64) -> Int {
        Self.count(localBoundaries, boundariesBeforeSpan, atOrBefore: l)
    }

    func offset(at t: Int64) -> Int64 {
        if let fallback, t < Self.windowStart || t >= Self.windowEnd {
            // Years 1–9999 are all Foundation is asked about.
            let clamped = min(max(t, -62_135_596_800), 253_402_300_799)
            return Int64(fallback.secondsFromGMT(for: Date(timeIntervalSince1970: Double(clamped))))
        }
        return offsets[countTransitions(atOrBefore: t)]
    }

    /// Whether a wall time is outside the table (with a day of margin for offsets).
    private func outsideWindow(local l: Int64) -> Bool {
        fallback != nil && (l < Self.windowStart + 86_400 || l >= Self.windowEnd - 86_400)
    }

    func earliestInstant(ofLocal l: Int64) -> Int64 {
        if outsideWindow(local: l) {
            let guess = l &- offset(at: l)
            return l &- offset(at: guess)
        }
        return l &- offsets[countBoundaries(atOrBefore: l)]
    }

    func latestInstant(ofLocal l: Int64) -> Int64 {
        if outsideWindow(local: l) { return earliestInstant(ofLocal: l) }
        let k = countBoundaries(atOrBefore: l)
        // Ambiguous when the next transition falls back and `l` is already
        // past its new-offset start.
        if k < transitions.count, offsets[k + 1] < offsets[k], l >= transitions[k] &+ offsets[k + 1] {
            return l &- offsets[k + 1]
        }
        return l &- offsets[k]
    }

    func transitions(from: Int64, to: Int64) -> ArraySlice<Int64> {
        guard from < to else { return [] }
        let low = countTransitions(atOrBefore: from &- 1)
        let high = countTransitions(atOrBefore: to &- 1)
        return transitions[low..<max(low, high)]
    }
}

extension RuleDuration {
    /// `instant + self` in `zone`: calendar days first (same wall-clock time),
    /// then exact seconds.
    public func added(to instant: Int64, in zone: Zone) -> Int64 {
        zone.addingDays(days, to: instant) &+ Int64(seconds)
    }

    /// `instant − self` in `zone`: calendar days first, then exact seconds.
    public func subtracted(from instant: Int64, in zone: Zone) -> Int64 {
        zone.addingDays(0 &- days, to: instant) &- Int64(seconds)
    }
}

extension Zone {
    /// The same wall-clock time `days` days later (earlier when negative),
    /// resolved by the rules of docs/rule-language.md §6.
    public func addingDays(_ days: Int, to instant: Int64) -> Int64 {
        guard days != 0 else { return instant }
        let local = localSeconds(at: instant) &+ Int64(days) &* 86_400
        return rules.earliestInstant(ofLocal: local)
    }
}
