/// A position in a source file: 1-based line and column (columns count
/// Unicode scalars, i.e. characters as an editor shows them) and the 0-based
/// UTF-8 byte offset from the start of the file.
public struct SourcePosition: Sendable, Hashable, Codable, Comparable {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in characters (Unicode scalars).
    public var column: Int
    /// 0-based byte offset into the file.
    public var offset: Int

    /// Creates a position.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// Orders positions by line, then column.
    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
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
