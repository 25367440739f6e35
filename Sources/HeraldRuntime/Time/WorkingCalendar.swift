public import HeraldModel

/// Working hours of a calendar, evaluated in its zone (docs/rule-language.md §3.3, §5.3, §7).
///
/// Spans are wall-clock minutes per weekday, half-open `[start, end)`; closed
/// dates are closed all day. An instant is open when its wall-clock time in the
/// zone falls inside a span of its date, so DST is handled by the zone: on a
/// spring-forward night the skipped wall times simply do not occur, and on a
/// fall-back night the repeated wall times are open (or closed) both times.
/// Instants are whole seconds: an instant with a fraction of a second is
/// open when the start of its second is (callers pass the floor).
public struct WorkingCalendar: Sendable {
    /// The calendar's spec.
    public let spec: CalendarSpec
    /// The calendar's zone.
    public let zone: Zone
    /// Spans in seconds of the day per weekday (0 = Monday), sorted, clamped to the day.
    private let week: [[(start: Int64, end: Int64)]]
    /// Closed dates as days since 1970-01-01, sorted and distinct (a binary
    /// search: looked up for every instant checked, so no hashing).
    private let closedDays: [Int]
    /// Days closed every year: bit `month * 32 + day` of these words.
    private let closedEveryYear: [UInt64]
    /// Whether any day is closed every year.
    private let hasClosedEveryYear: Bool
    /// Whether any weekday has hours at all.
    private let hasHours: Bool

    /// How far `nextOpening` and `latestOpenMinute` look, in days (about two years).
    public static let searchDays = 732

    /// Creates a calendar; nil when the zone is unknown.
    public init?(spec: CalendarSpec) {
        guard let zone = Zone(identifier: spec.timeZone) else { return nil }
        self.init(spec: spec, zone: zone)
    }

    /// Creates a calendar in an already resolved zone (the spec's `timeZone` is not consulted).
    public init(spec: CalendarSpec, zone: Zone) {
        self.spec = spec
        self.zone = zone
        var week: [[(start: Int64, end: Int64)]] = []
        for weekday in 0..<7 {
            let spans = weekday < spec.week.count ? spec.week[weekday] : []
            week.append(
                spans.compactMap { span in
                    let start = max(0, span.start)
                    let end = min(1440, span.end)
                    return start < end ? (Int64(start) * 60, Int64(end) * 60) : nil
                }
                .sorted { $0.start < $1.start })
        }
        self.week = week
        self.closedDays = Array(Set(spec.closed.filter(\.isGregorianDate).map(\.daysSince1970))).sorted()
        var everyYear = [UInt64](repeating: 0, count: 7)  // 13 * 32 bits
        for date in spec.closedEveryYear where (1...12).contains(date.month) && (1...31).contains(date.day) {
            let bit = date.month * 32 + date.day
            everyYear[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.closedEveryYear = everyYear
        self.hasClosedEveryYear = everyYear.contains { $0 != 0 }
        self.hasHours = week.contains { !$0.isEmpty }
    }

    /// Whether `instant` is inside working hours.
    public func isOpen(at instant: Int64) -> Bool {
        guard hasHours else { return false }
        return isOpen(local: zone.localSeconds(at: instant))
    }

    /// Whether a wall-clock time (seconds since 1970-01-01T00:00 local) is inside working hours.
    private func isOpen(local: Int64) -> Bool {
        let day = CivilDays.floorDivide(local, 86_400)
        let second = local &- day &* 86_400
        for span in spans(ofDay: Int(day)) where span.start <= second {
            if second < span.end { return true }
        }
        return false
    }

    /// The spans of a day (days since 1970), empty when closed.
    private func spans(ofDay day: Int) -> [(start: Int64, end: Int64)] {
        let spans = week[CivilDays.weekday(ofDay: day)]
        if spans.isEmpty || isClosed(day: day) { return [] }
        return spans
    }

    /// Whether a day (days since 1970) is a `closed` date: that date, or
    /// its month and day every year (February 29 exists only in leap years).
    private func isClosed(day: Int) -> Bool {
        if let first = closedDays.first, let last = closedDays.last, day >= first && day <= last {
            var low = 0
            var high = closedDays.count
            while low < high {
                let mid = (low &+ high) >> 1
                if closedDays[mid] < day { low = mid &+ 1 } else { high = mid }
            }
            if low < closedDays.count && closedDays[low] == day { return true }
        }
        guard hasClosedEveryYear else { return false }
        let date = CivilDays.civil(fromDays: day)
        let bit = date.month * 32 + date.day
        return closedEveryYear[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// The wall-clock date of `instant` in the calendar's zone when it is a
    /// `closed` date (a holiday), else nil. Used to say why a send was deferred.
    public func closedDate(at instant: Int64) -> LocalDate? {
        let day = localDay(of: instant)
        guard isClosed(day: day) else { return nil }
        let date = CivilDays.civil(fromDays: day)
        return LocalDate(year: date.year, month: date.month, day: date.day)
    }

    /// The start of the next working period at or after `instant` (`instant`
    /// itself when open); nil if none within about two years.
    ///
    /// This is the earliest open instant at or after `instant`. A period whose
    /// start falls in a spring-forward gap begins when the clocks jump into it
    /// (the gap's end, i.e. the wall-time rule of docs/rule-language.md §6 for a period starting at the
    /// gap's start); a period lying wholly inside a gap never opens.
    public func nextOpening(atOrAfter instant: Int64) -> Int64? {
        guard hasHours else { return nil }
        if isOpen(at: instant) { return instant }
        let firstDay = Int(CivilDays.floorDivide(zone.localSeconds(at: instant), 86_400)) - 1
        var best: Int64?
        var foundOn: Int?
        for day in firstDay...(firstDay + Self.searchDays) {
            // Wall-clock days can overlap around a fall-back, so one more day is checked
            // after the day of the best candidate so far.
            if let foundOn, day > foundOn + 1 { break }
            let spans = spans(ofDay: day)
            if spans.isEmpty { continue }
            let dayStart = Int64(day) &* 86_400
            func consider(_ candidate: Int64) {
                guard candidate >= instant, candidate < (best ?? .max), isOpen(at: candidate) else { return }
                best = candidate
                let localDay = localDay(of: candidate)
                foundOn = min(foundOn ?? localDay, localDay)
            }
            for span in spans {
                let start = dayStart &+ span.start
                let earlier = zone.rules.earliestInstant(ofLocal: start)
                let later = zone.rules.latestInstant(ofLocal: start)
                consider(earlier)
                if later != earlier { consider(later) }
            }
            // The clocks may jump (forward or back) into a period.
            // Offsets lie within -12h…+14h, so the day's instants lie in this window.
            for transition in zone.transitions(from: dayStart &- 15 * 3600, to: dayStart &+ 37 * 3600) {
                consider(transition)
            }
        }
        return best
    }

    /// The latest whole minute inside working hours strictly before `instant`
    /// (a period ending at 19:00 gives 18:59); nil if none within about two years.
    public func latestOpenMinute(before instant: Int64) -> Int64? {
        guard hasHours else { return nil }
        let last = instant &- 1
        let lastMinute = floorToMinute(last)
        if isOpen(at: lastMinute) { return lastMinute }
        let firstDay = Int(CivilDays.floorDivide(zone.localSeconds(at: last), 86_400)) + 1
        var best: Int64?
        var foundOn: Int?
        for day in stride(from: firstDay, through: firstDay - Self.searchDays, by: -1) {
            if let foundOn, day < foundOn - 1 { break }
            let spans = spans(ofDay: day)
            if spans.isEmpty { continue }
            let dayStart = Int64(day) &* 86_400
            func consider(_ candidate: Int64) {
                guard instant > candidate, candidate > (best ?? .min), isOpen(at: candidate) else { return }
                best = candidate
                let localDay = localDay(of: candidate)
                foundOn = max(foundOn ?? localDay, localDay)
            }
            for span in spans {
                let lastMinuteOfSpan = dayStart &+ span.end &- 60
                let earlier = zone.rules.earliestInstant(ofLocal: lastMinuteOfSpan)
                let later = zone.rules.latestInstant(ofLocal: lastMinuteOfSpan)
                consider(earlier)
                if later != earlier { consider(later) }
            }
            // The clocks may jump (forward or back) out of a period.
            // Offsets lie within -12h…+14h, so the day's instants lie in this window.
            for transition in zone.transitions(from: dayStart &- 15 * 3600, to: dayStart &+ 37 * 3600) {
                consider(floorToMinute(transition &- 1))
            }
        }
        return best
    }

    /// The wall-clock day (days since 1970) of an instant.
    private func localDay(of instant: Int64) -> Int {
        Int(CivilDays.floorDivide(zone.localSeconds(at: instant), 86_400))
    }

    /// The start of the wall-clock minute containing `instant`.
    private func floorToMinute(_ instant: Int64) -> Int64 {
        let local = zone.localSeconds(at: instant)
        let second = local &- CivilDays.floorDivide(local, 60) &* 60
        return instant &- second
    }
}
