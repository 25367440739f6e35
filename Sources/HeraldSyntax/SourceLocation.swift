/// A position in a source file: 1-based line and column (columns count
/// Unicode scalars, i.e. characters as an editor shows them) and the 0-based
/// UTF-8 byte offset from the start of the file.
///
/// Stored as three 32-bit numbers: every syntax node carries two positions,
/// and a 10,000-rule set has hundreds of thousands of nodes. Rule files are
/// limited to far less than 4 GiB (`YAMLParser.Limits.maxBytes`); a larger
/// value is clamped.
public struct SourcePosition: Sendable, Hashable, Comparable {
    private var storedLine: UInt32
    private var storedColumn: UInt32
    private var storedOffset: UInt32

    /// 1-based line number.
    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = UInt32(clamping: newValue) }
    }
    /// 1-based column, counted in characters (Unicode scalars).
    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = UInt32(clamping: newValue) }
    }
    /// 0-based byte offset into the file.
    public var offset: Int {
        get { Int(storedOffset) }
        set { storedOffset = UInt32(clamping: newValue) }
    }

    /// Creates a position.
    public init(line: Int, column: Int, offset: Int) {
        storedLine = UInt32(clamping: line)
        storedColumn = UInt32(clamping: column)
        storedOffset = UInt32(clamping: offset)
    }

    /// Orders positions by line, then column.
    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.storedLine, lhs.storedColumn) < (rhs.storedLine, rhs.storedColumn)
    }
}

extension SourcePosition: Codable {
    private enum CodingKeys: String, CodingKey { case line, column, offset }

    /// Decodes `{"line": …, "column": …, "offset": …}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            line: try container.decode(Int.self, forKey: .line), column: try container.decode(Int.self, forKey: .column),
            offset: try container.decode(Int.self, forKey: .offset))
    }

    /// Encodes `{"line": …, "column": …, "offset": …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(column, forKey: .column)
        try container.encode(offset, forKey: .offset)
    }
}

/// A half-open range of source text in one file, `start..<end`.
public struct SourceRange: Sendable, Hashable, Codable {
    /// The file path as it is reported to users (the PATH argument joined with
    /// the file's path below it).
    public var file: String
    /// First character of the range.
    public var start: SourcePosition
    /// Position just after the last character of the range.
    public var end: SourcePosition

    /// Creates a range.
    public init(file: String, start: SourcePosition, end: SourcePosition) {
        self.file = file
        self.start = start
        self.end = end
    }

    /// An empty range at one position.
    public init(file: String, at position: SourcePosition) {
        self.init(file: file, start: position, end: position)
    }
}
