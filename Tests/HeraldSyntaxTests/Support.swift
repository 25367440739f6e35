import Foundation
import HeraldSyntax
import Testing

/// Parses `text` as file `t.yaml`.
func parse(_ text: String, limits: YAMLParser.Limits = YAMLParser.Limits()) -> ParsedFile {
    YAMLParser.parse(Data(text.utf8), path: "t.yaml", limits: limits)
}

/// The root of the only document of `text`, which must parse cleanly.
func root(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Node? {
    let file = parse(text)
    #expect(file.diagnostics.isEmpty, "\(file.diagnostics)", sourceLocation: sourceLocation)
    #expect(file.documents.count == 1, sourceLocation: sourceLocation)
    return file.documents.first?.root
}

/// Follows a path of mapping keys (strings) and list indices (ints).
func node(_ root: Node?, _ path: Any...) -> Node? {
    var current = root
    for step in path {
        if let key = step as? String {
            current = current?[key]
        } else if let index = step as? Int, let items = current?.items, items.indices.contains(index) {
            current = items[index]
        } else {
            return nil
        }
    }
    return current
}

/// A position written `line:column@offset`.
func pos(_ line: Int, _ column: Int, _ offset: Int) -> SourcePosition {
    SourcePosition(line: line, column: column, offset: offset)
}

/// The position of the scalar character at `index` of a scalar node.
func position(in node: Node?, at index: Int) -> SourcePosition? {
    guard let positions = node?.scalar?.positions, positions.indices.contains(index) else { return nil }
    return positions[index]
}

/// Every node of a tree, depth first.
func allNodes(_ node: Node) -> [Node] {
    switch node.kind {
    case .scalar: return [node]
    case .sequence(let items): return [node] + items.flatMap(allNodes)
    case .mapping(let pairs): return [node] + pairs.flatMap { allNodes($0.key) + allNodes($0.value) }
    }
}

/// Checks, independently of the parser, that every position in the tree
/// names the right line and column for its byte offset, and that each
/// non-space character of a scalar maps to that same character in the source
/// (or to the backslash or quote of an escape).
func expectConsistentPositions(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let bytes = Array(text.utf8)
    let file = YAMLParser.parse(Data(bytes), path: "t.yaml")
    let base = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0

    func expected(at offset: Int) -> (line: Int, column: Int, scalar: Unicode.Scalar?) {
        var line = 1
        var column = 1
        var i = base
        while i < offset, i < bytes.count {
            let b = bytes[i]
            if b == 0x0A || (b == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A)) {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        var scalar: Unicode.Scalar?
        if offset < bytes.count {
            var end = offset + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            scalar = String(decoding: bytes[offset..<end], as: UTF8.self).unicodeScalars.first
        }
        return (line, column, scalar)
    }

    for document in file.documents {
        for n in allNodes(document.root) {
            for p in [n.range.start, n.range.end] {
                let e = expected(at: p.offset)
                #expect(p.line == e.line && p.column == e.column, "range \(p) vs \(e)", sourceLocation: sourceLocation)
            }
            guard let scalar = n.scalar else { continue }
            if scalar.positions.isEmpty { continue }
            let chars = Array(scalar.text.unicodeScalars)
            #expect(scalar.positions.count == chars.count + 1, sourceLocation: sourceLocation)
            for (i, p) in scalar.positions.enumerated() {
                let e = expected(at: p.offset)
                #expect(
                    p.line == e.line && p.column == e.column, "'\(scalar.text)'[\(i)] at \(p), expected \(e)",
                    sourceLocation: sourceLocation)
                if i > 0 { #expect(scalar.positions[i - 1].offset < p.offset, sourceLocation: sourceLocation) }
                guard i < chars.count, !chars[i].properties.isWhitespace else { continue }
                let ok = e.scalar == chars[i] || e.scalar == "\\" || (e.scalar == "'" && chars[i] == "'")
                #expect(ok, "'\(scalar.text)'[\(i)] = \(chars[i]) but source has \(String(describing: e.scalar))",
                        sourceLocation: sourceLocation)
            }
        }
    }
}
