public import HeraldCompiler

/// Working hours of a calendar, evaluated in its zone (SPEC §3.3, §8.4, §5.3).
/// TODO(time helper): implement.
public struct WorkingCalendar: Sendable {
    /// The calendar's spec.
    public let spec: CalendarSpec
    /// The calendar's zone.
    public let zone: Zone

    /// Creates a calendar; nil when the zone is unknown.
    public init?(spec: CalendarSpec) {
        guard let zone = Zone(identifier: spec.timeZone) else { return nil }
        self.spec = spec
        self.zone = zone
    }

    /// Whether `instant` is inside working hours.
    public func isOpen(at instant: Int64) -> Bool { true }

    /// The start of the next working period at or after `instant` (`instant`
    /// itself when open); nil if none within about two years.
    public func nextOpening(atOrAfter instant: Int64) -> Int64? { instant }

    /// The latest whole minute inside working hours strictly before `instant`
    /// (a period ending at 19:00 gives 18:59); nil if none within about two years.
    public func latestOpenMinute(before instant: Int64) -> Int64? { instant }
}
