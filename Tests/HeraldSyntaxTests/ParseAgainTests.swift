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

    /// What a streaming parse handed over, as `item:TEXT@line` / `value:KIND@line`.
    private static func streamed(
        _ text: String, keepingOthers: Bool = true
    ) -> (parts: [String], file: ParsedFile) {
        var parts: [String] = []
        let record = { (part: StreamedPart) in
            switch part {
            case .item(let node): parts.append("item:\(node["id"]?.text ?? node.text ?? node.kindDescription)@\(node.range.start.line)")
            case .value(let node): parts.append("value:\(node.text ?? node.kindDescription)@\(node.range.start.line)")
            }
        }
        if keepingOthers {
            let file = YAMLParser.parse(Data(text.utf8), path: "t.yaml", streaming: "rules", to: record)
            return (parts, file)
        }
        let file = parse(text).parsedAgain(streaming: "rules", keepingOthers: false, to: record)
        return (parts, file)
    }

    @Test("a streaming parse hands over each item of the top-level list as it is read, and does not keep it")
    func streamsItems() {
        let text = "a: 1\nrules:\n  - id: r1\n  - id: r2\n  - plain\nb: {rules: [nested]}\n"
        let (parts, file) = Self.streamed(text)
        #expect(parts == ["item:r1@3", "item:r2@4", "item:plain@5"])
        #expect(file.documents.first?.root["rules"]?.items?.isEmpty == true)
        #expect(file.documents.first?.root["b"]?["rules"]?.items?.count == 1)
        #expect(file.diagnostics.isEmpty)
    }

    @Test("values that are not a list, or come from an alias or a merge key, are handed over whole; a duplicate key is not")
    func wholeValues() {
        #expect(Self.streamed("rules: ~\n").parts == ["value:~@1"])
        #expect(Self.streamed("rules: {id: x}\n").parts == ["value:a mapping@1"])
        #expect(Self.streamed("rules: text\n").parts == ["value:text@1"])
        let alias = "--- \nx: &all\n  - id: a1\nrules: *all\n"
        #expect(Self.streamed(alias).parts == ["item:a1@3"])
        let merge = "base: &b\n  rules:\n    - id: m1\n<<: *b\n"
        #expect(Self.streamed(merge).parts == ["item:m1@3"])
        let duplicate = "rules:\n  - id: first\nrules:\n  - id: second\n"
        let (parts, file) = Self.streamed(duplicate)
        #expect(parts == ["item:first@2"])
        #expect(file.duplicateKeys.map(\.key) == ["rules"])
    }

    @Test("an anchored list keeps its items for its aliases; anchors inside items still resolve later")
    func anchors() {
        let text = "rules: &r\n  - &one {id: a}\ncopy: *r\nsingle: *one\n"
        let (parts, file) = Self.streamed(text)
        #expect(parts == ["item:a@2"])
        let root = file.documents.first?.root
        #expect(root?["copy"]?.items?.count == 1)
        #expect(root?["single"]?["id"]?.text == "a")
    }

    @Test("findings are those of a plain parse; a document cut short has handed over the items before the error")
    func findings() {
        let text = "rules:\n  - {id: a, id: b}\n  - id: ok\n  - id: [\n"
        let (parts, file) = Self.streamed(text)
        let plain = parse(text)
        #expect(file.diagnostics == plain.diagnostics)
        #expect(file.duplicateKeys == plain.duplicateKeys)
        #expect(parts == ["item:a@2", "item:ok@3"])
        #expect(plain.documents.isEmpty && file.documents.isEmpty)
    }

    @Test("without keepingOthers the other top-level values are read, not kept, and what their anchors name is still built")
    func othersDiscarded() {
        let text = """
            templates:
              &name ready: {sms: hi}
              other: &body {sms: "x", email: {subject: s, body: b}}
            rules:
              - {id: r1, template: *name, extra: *body}
            later: [1, 2, {k: v}]

            """
        let (parts, file) = Self.streamed(text, keepingOthers: false)
        #expect(parts == ["item:r1@5"])
        let root = file.documents.first?.root
        #expect(root?["templates"]?.pairs?.isEmpty == true)
        #expect(root?["later"]?.items?.isEmpty == true)
        var items: [Node] = []
        parse(text).parsedAgain(streaming: "rules", keepingOthers: false) { if case .item(let n) = $0 { items.append(n) } }
        #expect(items.first?["template"]?.text == "ready")
        #expect(items.first?["extra"]?["email"]?["subject"]?.text == "s")
        let flat = { (nodes: [Node]) in nodes.flatMap(allNodes).map { "\($0.range) \($0.text ?? $0.kindDescription)" } }
        #expect(flat(items) == flat(parse(text).documents.first?.root["rules"]?.items ?? []))
    }
}
