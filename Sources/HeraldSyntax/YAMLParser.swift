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
        read(data, path: path, limits: limits) { bytes, byteBase in
            build(
                source: SourceText(bytes: bytes, byteBase: byteBase), path: path, limits: limits, streaming: nil,
                keepingOthers: true, to: nil)
        }
    }

    /// Parses one file's bytes as `parse(_:path:limits:)` does, but hands the
    /// value under the top-level `key` (a key of a document's root mapping)
    /// to `handle` as it is read instead of keeping it: each item of a
    /// sequence as soon as the item is complete, in source order, leaving the
    /// sequence empty in the documents returned (an anchored sequence keeps
    /// its items for its aliases); any other value (null, a scalar, a mapping,
    /// or a value brought by an alias or a merge key) whole, when the root
    /// mapping is complete, and kept.
    ///
    /// For readers of large files whose values under one key can be handled
    /// one at a time: only one item's nodes are in memory at once. Anchors,
    /// aliases, merge keys, duplicate keys, limits and diagnostics are as in
    /// `parse`; a document cut short by an error has handed over what was
    /// read before the error (`parse` drops such a document).
    public static func parse(
        _ data: Data, path: String, limits: Limits = Limits(), streaming key: String,
        to handle: (StreamedPart) -> Void
    ) -> ParsedFile {
        withoutActuallyEscaping(handle) { handle in
            read(data, path: path, limits: limits) { bytes, byteBase in
                build(
                    source: SourceText(bytes: bytes, byteBase: byteBase), path: path, limits: limits, streaming: key,
                    keepingOthers: true, to: handle)
            }
        }
    }

    /// The size limit, a BOM and the UTF-8 check, then `parse` of the valid
    /// bytes (without the BOM) and the number of bytes before them.
    private static func read(
        _ data: Data, path: String, limits: Limits, then parse: ([UInt8], Int) -> ParsedFile
    ) -> ParsedFile {
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
        return parse(bytes, byteBase)
    }

    /// Parses again the text of `table`, which an earlier parse built.
    static func parse(again table: SourceTable, path: String, limits: Limits) -> ParsedFile {
        build(source: SourceText(table: table), path: path, limits: limits, streaming: nil, keepingOthers: true, to: nil)
    }

    /// Parses again the text of `table`, streaming the values under `key`;
    /// without `keepingOthers` the other top-level values are read but not kept.
    static func parse(
        again table: SourceTable, path: String, limits: Limits, streaming key: String, keepingOthers: Bool,
        to handle: (StreamedPart) -> Void
    ) -> ParsedFile {
        withoutActuallyEscaping(handle) { handle in
            build(
                source: SourceText(table: table), path: path, limits: limits, streaming: key,
                keepingOthers: keepingOthers, to: handle)
        }
    }

    /// Reads libyaml's events into trees (streaming the values under `key`,
    /// if given, to `handle`).
    private static func build(
        source: SourceText, path: String, limits: Limits, streaming key: String?, keepingOthers: Bool,
        to handle: ((StreamedPart) -> Void)?
    ) -> ParsedFile {
        let bytes = source.bytes
        var builder = TreeBuilder(
            source: source, path: path, limits: limits, streaming: key, keepingOthers: keepingOthers, to: handle)
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
        return SourceTable(bytes: repaired, byteBase: 0).lines()
    }
}
