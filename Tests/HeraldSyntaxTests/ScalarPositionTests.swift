import Foundation
import HeraldSyntax
import Testing

@Suite("scalar positions")
struct ScalarPositionTests {
    /// Sources whose every scalar must get an exact position map.
    static let sources: [String] = [
        "where: work_order.priority == \"urgent\"\n  and not client.head_office\n",
        "a: plain text  # comment\nb: two   spaces\n",
        "a: 'it''s ok'\nb: 'multi\n  line\n\n  para'\n",
        "a: \"say \\\"hi\\\"\\n\\u00e9x\\x41\\U0001F600 \\t\\\\\"\n",
        "a: \"one \\\n  two\n  three\"\n",
        "a: \"folded\n   \n\n  twice\"\n",
        "body: |\n  Dear {{client.name}},\n  your {{x}}\n",
        "t: >\n  one\n  two\n\n  three\n    indented\n  four\n",
        "a: |-\n  x\n\n\nb: |+\n  y\n\n\nc: >-\n  p\n  q\n",
        "a: |2\n    x\n   y\n",
        "rules:\n  - body: |1\n      x\n    t: >2\n       y\n",
        "--- |\n  top level\n  block\n",
        "a: &x |\n  anchored\nb: *x\n",
        "a: |\nb: 1\n",
        "a: |\n\n  \n  after blank lines\n",
        "a: [one\n  two, three]\n",
        "a: {k: v, 'q': \"w\"}\n",
        "name: São Paulo – Centro\nsms: \"Olá {{client.first_name | default: client.name}}, OS {{work_order.number}}.\"\n",
        "body: |\n  Olá {{client.name}},\n  sua OS está pronta – {{x}}\n",
        "a: \"tab\tinside\"\nb: x\ty\n",
        "a: |\n  x\n  \ttab after the indentation\n",
        "a: !!str   spaced\nb: &anc\n  value\n",
        "- >\n  folded\n  seq item\n- |\n  lit\n",
        "a: >\n  x\n   more\n  y\n",
        "? complex key\n: value\n",
        "a: b\r\nc: \"x\r\n  y\"\r\nd: |\r\n  one\r\n  two\r\n",
        "a: \"\\N\\_\\L\\P\\0\\a\\b\\v\\f\\r\\e\\/\\ \"\n",
    ]

    @Test("every scalar maps each character back to the same character in the source", arguments: sources)
    func consistent(source: String) throws {
        let file = parse(source)
        #expect(file.diagnostics.isEmpty, "\(file.diagnostics)")
        for document in file.documents {
            for n in allNodes(document.root) {
                guard let scalar = n.scalar, !scalar.isNull else { continue }
                #expect(!scalar.positions.isEmpty, "no positions for '\(scalar.text)' (\(scalar.style))")
            }
        }
        expectConsistentPositions(source)
    }

    @Test("a folded plain scalar maps the folding space to the line end and the next word to its line")
    func multiLinePlain() throws {
        let value = try #require(node(root(Self.sources[0]), "where"))
        let text = try #require(value.text)
        #expect(text == "work_order.priority == \"urgent\" and not client.head_office")
        #expect(text.distance(of: " and") == 31)
        #expect(position(in: value, at: 31) == pos(1, 39, 38), "the folded line break")
        #expect(position(in: value, at: 32) == pos(2, 3, 41))
        let range = value.range(ofScalarsFrom: 40, to: 58)
        #expect(range.start == pos(2, 11, 49))
        #expect(range.end == pos(2, 29, 67))
        #expect(value.range.end == pos(2, 29, 67))
    }

    @Test("single-quoted: '' maps to its first quote")
    func singleQuoted() throws {
        let a = try #require(node(root(Self.sources[2]), "a"))
        #expect(a.text == "it's ok")
        #expect(position(in: a, at: 0) == pos(1, 5, 4))
        #expect(position(in: a, at: 2) == pos(1, 7, 6))
        #expect(position(in: a, at: 3) == pos(1, 9, 8))
        #expect(position(in: a, at: 7) == pos(1, 13, 12), "past the end is the closing quote")
        #expect(a.range == SourceRange(file: "t.yaml", start: pos(1, 4, 3), end: pos(1, 14, 13)))
        let b = try #require(node(root(Self.sources[2]), "b"))
        #expect(b.text == "multi line\npara")
        #expect(position(in: b, at: 5) == pos(2, 10, 23), "the folded line break")
        #expect(position(in: b, at: 6) == pos(3, 3, 26))
        #expect(position(in: b, at: 10) == pos(4, 1, 31), "the kept line break is the empty line's")
        #expect(position(in: b, at: 11) == pos(5, 3, 34))
        // Its map is made when asked for; its range, from the opening quote
        // to past the closing one on another line, when it is read.
        #expect(b.range == SourceRange(file: "t.yaml", start: pos(2, 4, 17), end: pos(5, 8, 39)))
    }

    @Test("double-quoted: each escape maps to its backslash")
    func doubleQuoted() throws {
        let a = try #require(node(root(Self.sources[3]), "a"))
        #expect(a.text == "say \"hi\"\néxA😀 \t\\")
        let positions = try #require(a.scalar?.positions)
        #expect(positions.map(\.column) == [5, 6, 7, 8, 9, 11, 12, 13, 15, 17, 23, 24, 28, 38, 39, 41, 43])
        #expect(positions[10].offset == 22)
    }

    @Test("double-quoted: an escaped line break joins the lines without a space")
    func escapedLineBreak() throws {
        let a = try #require(node(root(Self.sources[4]), "a"))
        #expect(a.text == "one two three")
        #expect(position(in: a, at: 4) == pos(2, 3, 12))
        #expect(position(in: a, at: 7) == pos(2, 6, 15), "folded break between two and three")
        #expect(position(in: a, at: 8) == pos(3, 3, 18))
    }

    @Test("literal block: characters map into the indented lines")
    func literalBlock() throws {
        let body = try #require(node(root(Self.sources[6]), "body"))
        let text = try #require(body.text)
        #expect(text == "Dear {{client.name}},\nyour {{x}}\n")
        #expect(position(in: body, at: 0) == pos(2, 3, 10))
        #expect(position(in: body, at: 21) == pos(2, 24, 31), "the line break")
        #expect(position(in: body, at: 27) == pos(3, 8, 39))
        #expect(body.range.start == pos(1, 7, 6))
        #expect(body.range.end == pos(3, 13, 44), "the range ends with the last content line")
        #expect(position(in: body, at: text.unicodeScalars.count) == pos(4, 1, 45))
    }

    @Test("literal block with non-ASCII text keeps character columns and byte offsets")
    func literalBlockNonASCII() throws {
        let body = try #require(node(root(Self.sources[18]), "body"))
        let text = try #require(body.text)
        #expect(text == "Olá {{client.name}},\nsua OS está pronta – {{x}}\n")
        let x = text.distance(of: "{{x}}")
        #expect(x == 42)
        #expect(position(in: body, at: 42) == pos(3, 24, 58))
    }

    @Test("folded block: single breaks fold to spaces, more-indented lines keep theirs")
    func foldedBlock() throws {
        let t = try #require(node(root(Self.sources[7]), "t"))
        #expect(t.text == "one two\nthree\n  indented\nfour\n")
        #expect(position(in: t, at: 3) == pos(2, 6, 10), "the folded break after 'one'")
        #expect(position(in: t, at: 4) == pos(3, 3, 13))
        #expect(position(in: t, at: 7) == pos(4, 1, 17), "the empty line's break")
    }

    @Test("chomping indicators: strip, keep and clip")
    func chomping() throws {
        let doc = try #require(root(Self.sources[8]))
        #expect(node(doc, "a")?.text == "x")
        #expect(node(doc, "b")?.text == "y\n\n\n")
        #expect(node(doc, "c")?.text == "p q")
        #expect(position(in: node(doc, "b"), at: 3) == pos(8, 1, 23))
        #expect(node(doc, "a")?.range.end == pos(2, 4, 9))
    }

    @Test("an indentation indicator is relative to the enclosing block collection")
    func indentationIndicator() throws {
        #expect(node(root(Self.sources[9]), "a")?.text == "  x\n y\n")
        #expect(position(in: node(root(Self.sources[9]), "a"), at: 0) == pos(2, 3, 8))
        let rule = node(root(Self.sources[10]), "rules", 0)
        #expect(node(rule, "body")?.text == " x\n")
        #expect(position(in: node(rule, "body"), at: 0) == pos(3, 6, 25))
        #expect(node(rule, "t")?.text == " y\n")
        #expect(position(in: node(rule, "t"), at: 1) == pos(5, 8, 45))
    }

    @Test("a scalar with a tag or an anchor maps from its own text")
    func properties() throws {
        let doc = try #require(root(Self.sources[21]))
        #expect(position(in: node(doc, "a"), at: 0) == pos(1, 12, 11))
        #expect(node(doc, "b")?.range.start == pos(3, 3, 28))
        #expect(position(in: node(doc, "b"), at: 0) == pos(3, 3, 28))
    }

    @Test("range(ofScalarsFrom:to:) selects a token inside a template")
    func tokenRange() throws {
        let sms = try #require(node(root(Self.sources[17]), "sms"))
        let text = try #require(sms.text)
        let start = text.distance(of: "work_order.number")
        let range = sms.range(ofScalarsFrom: start, to: start + 17)
        #expect(range.start.line == 2)
        #expect(range.start.column == 6 + start + 1)
        #expect(range.end.column == range.start.column + 17)
    }
}

extension String {
    /// The Unicode-scalar index where `needle` first starts (-1 if absent).
    func distance(of needle: String) -> Int {
        guard let r = range(of: needle) else { return -1 }
        return unicodeScalars.distance(from: unicodeScalars.startIndex, to: r.lowerBound)
    }
}
