public import Foundation

/// Parses YAML text with libyaml into located `Node` trees.
///
/// TODO(syntax helper): implement with libyaml's event API.
public enum YAMLParser {
    /// Limits that keep hostile input from exhausting memory.
    public struct Limits: Sendable {
        /// Maximum nesting depth of collections.
        public var maxDepth = 256
        /// Maximum number of nodes produced by alias expansion per file.
        public var maxNodes = 1_000_000
        /// Maximum file size in bytes.
        public var maxBytes = 16 * 1024 * 1024

        /// The default limits.
        public init() {}
    }

    /// Parses one file's bytes. `path` is the path reported in diagnostics.
    public static func parse(_ data: Data, path: String, limits: Limits = Limits()) -> ParsedFile {
        ParsedFile(path: path, documents: [], diagnostics: [], lines: [])
    }
}
