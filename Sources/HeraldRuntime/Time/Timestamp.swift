/// An instant as it came in an event: seconds since 1970 (UTC) and the UTC
/// offset it was written with. Equality and order compare instants only.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z (fractions are kept in `nanoseconds`).
    public var seconds: Int64
    /// Fraction of a second.
    public var nanoseconds: Int32
    /// The offset the text carried, in seconds.
    public var offset: Int32

    /// Creates a timestamp.
    public init(seconds: Int64, nanoseconds: Int32 = 0, offset: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.offset = offset
    }

    /// Same instant.
    public static func == (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds == b.seconds && a.nanoseconds == b.nanoseconds
    }

    /// Hashes the instant.
    public func hash(into h: inout Hasher) {
        h.combine(seconds)
        h.combine(nanoseconds)
    }

    /// Earlier instant first.
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// RFC 3339 parsing and formatting.
/// TODO(time helper): implement.
public enum RFC3339 {
    /// Parses `2026-04-07T13:00:00-03:00` (also `Z`, fractional seconds,
    /// lowercase `t`/`z`). Returns nil for anything else, including a missing offset.
    public static func parse(_ text: Substring) -> Timestamp? { nil }

    /// Formats an instant in `zone` with its offset at that instant:
    /// `2026-04-07T13:00:00-03:00` (`Z` is never used; UTC is `+00:00`).
    public static func format(_ seconds: Int64, in zone: Zone) -> String { "" }
}
