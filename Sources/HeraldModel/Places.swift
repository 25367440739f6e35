/// A calendar date without a time or zone (`2026-12-25`).
public struct LocalDate: Sendable, Hashable, Codable, Comparable {
    /// Year, e.g. 2026.
    public var year: Int
    /// Month 1–12.
    public var month: Int
    /// Day 1–31.
    public var day: Int

    /// Creates a date (not validated).
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Orders dates chronologically.
    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

/// A month and day closed every year: a `closed` entry `MM-DD` (docs/rule-language.md §3.3).
/// `02-29` closes February 29 in leap years only.
public struct AnnualDate: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Month 1–12.
    public var month: Int
    /// Day 1–31 (valid for the month in a leap year).
    public var day: Int

    /// Creates an annual date (not validated).
    public init(month: Int, day: Int) {
        self.month = month
        self.day = day
    }

    /// Orders by month, then day.
    public static func < (a: AnnualDate, b: AnnualDate) -> Bool {
        (a.month, a.day) < (b.month, b.day)
    }

    /// `MM-DD`.
    public var description: String {
        (month < 10 ? "0" : "") + String(month) + "-" + (day < 10 ? "0" : "") + String(day)
    }
}

/// A half-open span of wall-clock minutes within a day, `[start, end)`,
/// 0 ≤ start < end ≤ 1440 (`24:00`).
public struct MinuteSpan: Sendable, Hashable, Codable {
    /// Minutes since midnight, inclusive.
    public var start: Int
    /// Minutes since midnight, exclusive.
    public var end: Int

    /// Creates a span.
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}

/// Named working hours (docs/rule-language.md §3.3).
public struct CalendarSpec: Sendable, Hashable, Codable {
    /// Calendar name.
    public var id: String
    /// IANA zone the hours are wall-clock times in.
    public var timeZone: String
    /// Working spans per weekday, index 0 = Monday … 6 = Sunday, each sorted
    /// and not overlapping. An empty list is a closed day.
    public var week: [[MinuteSpan]]
    /// Dates closed all day (`YYYY-MM-DD`).
    public var closed: Set<LocalDate>
    /// Dates closed all day every year (`MM-DD`).
    public var closedEveryYear: Set<AnnualDate>

    /// Creates a calendar.
    public init(
        id: String, timeZone: String, week: [[MinuteSpan]], closed: Set<LocalDate>, closedEveryYear: Set<AnnualDate> = []
    ) {
        self.id = id
        self.timeZone = timeZone
        self.week = week
        self.closed = closed
        self.closedEveryYear = closedEveryYear
    }

    enum CodingKeys: String, CodingKey {
        case id, timeZone, week, closed, closedEveryYear
    }

    /// Decodes a calendar; one written before `MM-DD` entries has none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        timeZone = try c.decode(String.self, forKey: .timeZone)
        week = try c.decode([[MinuteSpan]].self, forKey: .week)
        closed = try c.decode(Set<LocalDate>.self, forKey: .closed)
        closedEveryYear = try c.decodeIfPresent(Set<AnnualDate>.self, forKey: .closedEveryYear) ?? []
    }

    /// Encodes a calendar; `closedEveryYear` only when not empty.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(week, forKey: .week)
        try c.encode(closed, forKey: .closed)
        if !closedEveryYear.isEmpty { try c.encode(closedEveryYear, forKey: .closedEveryYear) }
    }
}

/// A location or a region of the rule set (docs/rule-language.md §3.1, §3.2).
public struct Place: Sendable, Hashable, Codable {
    /// The id (mapping key).
    public var id: String
    /// Display name (default: the id).
    public var name: String
    /// IANA zone: its own, else its calendar's.
    public var timeZone: String?
    /// Calendar id, if any.
    public var calendar: String?
    /// Master switch (default true).
    public var notifications: Bool
    /// Reply-To address for emails.
    public var replyTo: String?
    /// Free variables usable as `location.vars.X` / `region.vars.X`.
    public var vars: [String: String]

    /// Creates a place.
    public init(
        id: String, name: String, timeZone: String? = nil, calendar: String? = nil,
        notifications: Bool = true, replyTo: String? = nil, vars: [String: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.calendar = calendar
        self.notifications = notifications
        self.replyTo = replyTo
        self.vars = vars
    }
}
