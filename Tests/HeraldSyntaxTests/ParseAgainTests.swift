import Foundation
import HeraldSyntax
import Testing

/// Every node of every document with its range, and each scalar's text,
/// style, tag and position map (nodes compare their maps' tables by identity,
/// so two parses are compared by what they say).
private func shape(_ file: ParsedFile) -> [String] {
    file.documents.flatMap { document in
        allNodes(document.root).map { node in
            let range = "\(node.range.file) \(node.range.start) \(node.range.end)"
            guard let s = node.scalar else { return range + " \(node.kindDescription)" }
            return range + " \(s.text)|\(s.style)|\(s.tag ?? "-")|\(s.positions)"
        }
    }
}

@Suite("parsing a file again, lines on demand, compact positions")
struct ParseAgainTests {
    static let texts = [
        "a: 1\nb: [x, y]\n",
        "\u{FEFF}templates:\r\n  &t ready: {sms: \"Olá\"}\r\nrules:\r\n  - {id: r, template: *t}\r\n",
        "a: 1\na: 2\nm: {k: 1, k: 2}\n",
        "--- \nx: 1\n...\n---\ny: |\n  two\n  lines\n",
        "ok: 1\nbroken: [\n",
        "base: &b {k: v}\nmerged:\n  <<: *b\n  j: w\n",
        "",
    ]

    @Test("gives the same documents, diagnostics, duplicate keys and lines as the first parse", arguments: texts.indices)
    func same(index: Int) {
        let first = parse(Self.texts[index])
        let again = first.parsedAgain()
        #expect(shape(again) == shape(first))
        #expect(!Self.texts[index].contains(":") || !first.diagnostics.isEmpty || !shape(first).isEmpty)
        #expect(again.diagnostics == first.diagnostics)
        #expect(again.duplicateKeys == first.duplicateKeys)
        #expect(again.lines == first.lines)
        #expect(again.path == first.path)
    }

    @Test("a file whose documents were dropped can still be parsed again")
    func afterDroppingDocuments() {
        let first = parse(Self.texts[1])
        var kept = first
        kept.documents = []
        #expect(shape(kept.parsedAgain()) == shape(first))
    }

    @Test("a file made with given lines, or not read as UTF-8, is returned as it is")
    func nothingToParse() {
        let given = ParsedFile(path: "g.yaml", documents: [], diagnostics: [], lines: ["x: 1"])
        #expect(given.parsedAgain().lines == ["x: 1"])
        let invalid = YAMLParser.parse(Data([0x61, 0x3A, 0x20, 0xFF, 0x0A]), path: "bad.yaml")
        let again = invalid.parsedAgain()
        #expect(again.documents.isEmpty && again.diagnostics == invalid.diagnostics && again.lines == invalid.lines)
    }

    @Test("lines are split on LF, CRLF and lone CR, without terminators, a BOM left out")
    func lines() {
        #expect(parse("\u{FEFF}a\r\nb\rc\n\nd").lines == ["a", "b", "c", "", "d"])
        #expect(parse("x\n").lines == ["x", ""])
        var file = parse("x\n")
        file.lines = ["replaced"]
        #expect(file.lines == ["replaced"])
    }

    @Test("a position keeps line, column and offset, encodes them by name and clamps what does not fit 32 bits")
    func positions() throws {
        let position = SourcePosition(line: 12, column: 7, offset: 345)
        let json = try JSONEncoder().encode(position)
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Int]
        #expect(object == ["line": 12, "column": 7, "offset": 345])
        #expect(try JSONDecoder().decode(SourcePosition.self, from: json) == position)
        var moved = position
        moved.column += 3
        moved.offset = -1
        #expect(moved.column == 10 && moved.offset == 0)
        let far = SourcePosition(line: Int.max, column: 1, offset: 1 << 40)
        #expect(far.line == Int(UInt32.max) && far.offset == Int(UInt32.max))
        #expect(SourcePosition(line: 2, column: 1, offset: 9) < SourcePosition(line: 2, column: 4, offset: 0))
    }
}
