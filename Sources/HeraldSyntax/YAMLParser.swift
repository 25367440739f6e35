public import Foundation

/// Parses YAML text with libyaml into located `Node` trees.
///
/// Every node carries its source range, every scalar a map from its text back
/// to the source. Aliases are expanded, merge keys applied, scalars left untyped.
/// Problems become `yaml-syntax` diagnostics; parsing never throws or traps.
public enum YAMLParser {
    /// Limits that keep hostile input from exhausting memory.
    public struct Limits: Sendable {
        /// Maximum nesting depth of collections.
        public var maxDepth = 256
        /// Maximum number of nodes produced by alias expansion per file.
        public var maxNodes = 1_000_000
        /// Maximum file size in bytes.
        public var maxBytes = 16 * 1024 * 1024
        /// Maximum bytes of scalar text (keys and values) reached through
        /// aliases per file: each alias adds the text of the node it copies.
        /// With `maxBytes` it bounds the text a compiler has to read, however
        /// a file shares its nodes.
        public var maxAliasedBytes = 4 * 1024 * 1024

        /// The default limits.
        public init() {}

        /// Limits with the given values (defaults for the ones left out).
        public init(
            maxDepth: Int = 256, maxNodes: Int = 1_000_000, maxBytes: Int = 16 * 1024 * 1024,
            maxAliasedBytes: Int = 4 * 1024 * 1024
        ) {
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
            self.maxBytes = maxBytes
            self.maxAliasedBytes = maxAliasedBytes
        }
    }

    /// Parses one file's bytes. `path` is the path reported in diagnostics.
    public static func parse(_ data: Data, path: String, limits: Limits = Limits()) -> ParsedFile {
        guard data.count <= limits.maxBytes else {
            let firstLine = data.prefix(4096).split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false).first
            return tooLarge(path: path, size: data.count, firstLine: firstLine ?? Data(), limits: limits)
        }
        var bytes = [UInt8](data)
        var byteBase = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes.removeFirst(3)
            byteBase = 3
        }
        if let bad = UTF8Scan.firstInvalidByte(in: bytes) {
            let valid = SourceText(bytes: Array(bytes[..<bad]), byteBase: byteBase)
            let position = valid.position(ofByte: bad)
            let message = "the file is not valid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)))"
            let lines = SourceText.lines(ofInvalidUTF8: bytes)
            return ParsedFile(
                path: path, documents: [],
                diagnostics: [.yamlSyntax(message, at: SourceRange(file: path, at: position))], lines: lines)
        }

        return parse(valid: bytes, byteBase: byteBase, path: path, limits: limits)
    }

    /// Parses bytes already read, checked as UTF-8 and stripped of a BOM.
    static func parse(valid bytes: [UInt8], byteBase: Int, path: String, limits: Limits) -> ParsedFile {
        let source = SourceText(bytes: bytes, byteBase: byteBase)
        var builder = TreeBuilder(source: source, path: path, limits: limits)
        let reader = LibYAMLEventReader(bytes: bytes)
        reading: while let step = reader.next() {
            switch step {
            case .success(let event):
                if builder.handle(event) == .stop { break reading }
            case .failure(let problem):
                builder.fail(problem)
                break reading
            }
        }
        return ParsedFile(
            path: path, documents: builder.documents, diagnostics: builder.diagnostics,
            duplicateKeys: builder.duplicateKeys, source: source.table)
    }
}

extension YAMLParser {
    /// The parse of a file larger than `limits.maxBytes`, of which only the
    /// first line was read: no documents, one `yaml-syntax` diagnostic at 1:1.
    public static func tooLarge(path: String, size: Int, firstLine: Data, limits: Limits = Limits()) -> ParsedFile {
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        let line = String(decoding: firstLine.prefix(4096), as: UTF8.self)
        let message = "the file is \(size) bytes long; the limit is \(limits.maxBytes) bytes"
        return ParsedFile(
            path: path, documents: [],
            diagnostics: [.yamlSyntax(message, at: SourceRange(file: path, at: start))],
            lines: [Substring(line)])
    }
}

extension SourceText {
    /// Lines of text that is not valid UTF-8 (bad bytes shown as U+FFFD).
    static func lines(ofInvalidUTF8 bytes: [UInt8]) -> [Substring] {
        let repaired = Array(String(decoding: bytes, as: UTF8.self).utf8)
        return SourceText(bytes: repaired, byteBase: 0).lines()
    }
}
