public import HeraldCompiler

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

    /// Orders chronologically.
    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        (a.date, a.secondOfDay) < (b.date, b.secondOfDay)
    }

    /// Day of week, 0 = Monday … 6 = Sunday.
    public var weekday: Int { LocalDateTime.weekday(of: date) }

    /// Day of week of a date, 0 = Monday … 6 = Sunday.
    /// TODO(time helper): implement.
    public static func weekday(of date: LocalDate) -> Int { 0 }
}

/// An IANA time zone with fast offset look-ups and the wall-clock rules of
/// SPEC §5.2 (a wall time in a spring-forward gap moves forward by the gap's
/// length; an ambiguous fall-back time is the earlier instant).
///
/// TODO(time helper): implement (Foundation's TimeZone, cached transitions).
public struct Zone: Sendable, Hashable {
    /// The IANA identifier (`UTC` for the default zone).
    public let identifier: String

    /// The zone for an IANA identifier; nil when unknown.
    public init?(identifier: String) { self.identifier = identifier }

    /// UTC.
    public static let utc = Zone(identifier: "UTC")!

    /// Offset from UTC in seconds at an instant (seconds since 1970).
    public func offset(at instant: Int64) -> Int { 0 }

    /// The wall-clock date-time at an instant.
    public func local(at instant: Int64) -> LocalDateTime {
        LocalDateTime(date: LocalDate(year: 1970, month: 1, day: 1), secondOfDay: 0)
    }

    /// The instant of a wall-clock date-time (gap: forward by the gap; ambiguous: earlier).
    public func instant(of local: LocalDateTime) -> Int64 { 0 }
}

extension Duration {
    /// `instant + self` in `zone`: calendar days first (same wall-clock time),
    /// then exact seconds.
    /// TODO(time helper): implement.
    public func added(to instant: Int64, in zone: Zone) -> Int64 { instant }

    /// `instant − self` in `zone`: calendar days first, then exact seconds.
    /// TODO(time helper): implement.
    public func subtracted(from instant: Int64, in zone: Zone) -> Int64 { instant }
}
