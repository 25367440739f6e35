import Foundation
import HeraldSyntax
import Testing

@Suite("node ranges")
struct NodeRangeTests {
    @Test("scalars, mappings and sequences carry 1-based start and end positions")
    func simpleRanges() throws {
        let text = """
            rules:
              - id: wo-ready
                channel: [sms, email]

            """
        let doc = try #require(root(text))
        #expect(doc.range.start == pos(1, 1, 0))
        let rules = try #require(node(doc, "rules"))
        #expect(rules.range.start == pos(2, 3, 9))
        let rule = try #require(node(rules, 0))
        #expect(rule.range.start == pos(2, 5, 11))
        #expect(rule.range.end == pos(3, 26, 49))
        let key = try #require(rule.pairs?.first?.key)
        #expect(key.range == SourceRange(file: "t.yaml", start: pos(2, 5, 11), end: pos(2, 7, 13)))
        let id = try #require(node(rule, "id"))
        #expect(id.range == SourceRange(file: "t.yaml", start: pos(2, 9, 15), end: pos(2, 17, 23)))
        let channel = try #require(node(rule, "channel"))
        #expect(channel.range == SourceRange(file: "t.yaml", start: pos(3, 14, 37), end: pos(3, 26, 49)))
        #expect(node(channel, 1)?.range.start == pos(3, 20, 43))
        #expect(doc.range.end == pos(3, 26, 49), "a block collection ends with its last child")
    }

    @Test("columns count characters and offsets count UTF-8 bytes in non-ASCII text")
    func nonASCII() throws {
        let doc = try #require(root("name: São Paulo – Centro\nx: é # ç\ny: ok\n"))
        let name = try #require(node(doc, "name"))
        #expect(name.text == "São Paulo – Centro")
        #expect(name.range.start == pos(1, 7, 6))
        #expect(name.range.end == pos(1, 25, 27))
        #expect(position(in: name, at: 12) == pos(1, 19, 21), "the 'C' after the en dash")
        #expect(node(doc, "x")?.range.start == pos(2, 4, 31))
        #expect(doc.pairs?[2].key.range.start == pos(3, 1, 39))
        #expect(node(doc, "y")?.range.start == pos(3, 4, 42))
    }

    @Test("a UTF-8 byte order mark is skipped but counted in byte offsets")
    func byteOrderMark() throws {
        let file = YAMLParser.parse(Data([0xEF, 0xBB, 0xBF] + Array("a: b\nc: d\n".utf8)), path: "t.yaml")
        #expect(file.diagnostics.isEmpty)
        let doc = try #require(file.documents.first?.root)
        #expect(doc.pairs?.first?.key.range.start == pos(1, 1, 3))
        #expect(node(doc, "c")?.range.start == pos(2, 4, 11))
        #expect(file.lines == ["a: b", "c: d", ""])
    }

    @Test("CRLF line endings count as one line end and are not part of the lines")
    func crlf() throws {
        let text = "a: x\r\nb: |\r\n  one\r\n  two\r\nc: \"p\r\n  q\"\r\n"
        let doc = try #require(root(text))
        #expect(node(doc, "b")?.text == "one\ntwo\n")
        #expect(node(doc, "c")?.text == "p q")
        #expect(node(doc, "c")?.range.start == pos(5, 4, 29))
        #expect(position(in: node(doc, "b"), at: 4) == pos(4, 3, 21))
        #expect(parse(text).lines == ["a: x", "b: |", "  one", "  two", "c: \"p", "  q\"", ""])
        expectConsistentPositions(text)
    }

    @Test("a lone CR ends a line too")
    func loneCR() throws {
        let doc = try #require(root("a: 1\rb: 2\r"))
        #expect(node(doc, "b")?.range.start == pos(2, 4, 8))
    }

    @Test("the file's lines are kept for excerpts")
    func lines() {
        #expect(parse("a: 1\n\nb: [x]").lines == ["a: 1", "", "b: [x]"])
    }
}

@Suite("documents")
struct DocumentTests {
    @Test("each document of a multi-document file becomes a Document")
    func multiDocument() {
        let file = parse("a: 1\n---\nb: 2\n...\n---\n- c\n")
        #expect(file.diagnostics.isEmpty)
        #expect(file.documents.count == 3)
        #expect(file.documents.map { $0.root.kindDescription } == ["a mapping", "a mapping", "a list"])
        #expect(file.documents[1].root.range.start == pos(3, 1, 9))
    }

    @Test("an empty file or a file of comments has no documents", arguments: ["", "\n\n", "# only a comment\n"])
    func emptyFile(text: String) {
        let file = parse(text)
        #expect(file.diagnostics.isEmpty)
        #expect(file.documents.isEmpty)
    }

    @Test("an empty document has a null root")
    func emptyDocument() throws {
        let file = parse("---\n---\na: 1\n")
        #expect(file.diagnostics.isEmpty)
        #expect(file.documents.count == 2)
        #expect(file.documents.first?.root.isNull == true)
    }
}

@Suite("scalars stay text")
struct ScalarTextTests {
    @Test(
        "YAML 1.1 booleans, numbers and nulls keep their text and style",
        arguments: [
            ("on", Scalar.Style.plain), ("no", .plain), ("yes", .plain), ("off", .plain), ("3", .plain),
            ("1e3", .plain), ("~", .plain), ("true", .plain),
        ])
    func untyped(text: String, style: Scalar.Style) throws {
        let doc = try #require(root("\(text): \(text)\n"))
        let pair = try #require(doc.pairs?.first)
        #expect(pair.key.text == text)
        #expect(pair.value.text == text)
        #expect(pair.value.scalar?.style == style)
        #expect(pair.value.scalar?.tag == nil)
    }

    @Test("quoted scalars report their style; tags are kept as libyaml resolves them")
    func stylesAndTags() throws {
        let doc = try #require(root("a: \"on\"\nb: 'no'\nc: !!str yes\nd: !custom x\n"))
        #expect(node(doc, "a")?.scalar?.style == .doubleQuoted)
        #expect(node(doc, "a")?.text == "on")
        #expect(node(doc, "b")?.scalar?.style == .singleQuoted)
        #expect(node(doc, "c")?.scalar?.tag == "tag:yaml.org,2002:str")
        #expect(node(doc, "c")?.range.start == pos(3, 10, 25), "the range starts at the value, after the tag")
        #expect(position(in: node(doc, "c"), at: 0) == pos(3, 10, 25))
        #expect(node(doc, "d")?.scalar?.tag == "!custom")
    }

    @Test("null scalars: empty values, ~ and null")
    func nulls() throws {
        let doc = try #require(root("a:\nb: ~\nc: null\nd: 'null'\n"))
        #expect(node(doc, "a")?.isNull == true)
        #expect(node(doc, "a")?.scalar?.positions.count == 1)
        #expect(node(doc, "b")?.isNull == true)
        #expect(node(doc, "c")?.isNull == true)
        #expect(node(doc, "d")?.isNull == false)
    }
}

@Suite("anchors, aliases and merge keys")
struct AliasTests {
    @Test("an alias is a copy of its anchor's node with the alias's own range")
    func aliasCopy() throws {
        let doc = try #require(root("base: &b {x: 1}\nuse: *b\nname: &n hi\nagain: *n\n"))
        let use = try #require(node(doc, "use"))
        #expect(use.range == SourceRange(file: "t.yaml", start: pos(2, 6, 21), end: pos(2, 8, 23)))
        #expect(node(use, "x")?.text == "1")
        #expect(node(use, "x")?.range.start == pos(1, 14, 13), "children keep the anchored source")
        #expect(node(doc, "name")?.range.start == pos(3, 10, 33), "an anchored scalar starts at its text")
        #expect(node(doc, "again")?.text == "hi")
        #expect(node(doc, "again")?.range.start == pos(4, 8, 43))
    }

    @Test("merge keys: keys written in the mapping win over merged ones; the << pair disappears")
    func mergeMapping() throws {
        let text = """
            defaults: &d
              channel: sms
              delay: 1h
            rule:
              id: r
              <<: *d
              delay: 2h

            """
        let rule = try #require(node(root(text), "rule"))
        #expect(rule.pairs?.map { $0.key.text } == ["id", "channel", "delay"])
        #expect(node(rule, "delay")?.text == "2h")
        #expect(node(rule, "channel")?.range.start == pos(2, 12, 24))
        #expect(node(rule, "<<") == nil)
    }

    @Test("merge keys with a list: earlier mappings win")
    func mergeList() throws {
        let text = """
            a: &a {x: 1, y: 1}
            b: &b {y: 2, z: 2}
            c:
              <<: [*a, *b]
              z: 3

            """
        let c = try #require(node(root(text), "c"))
        #expect(c.pairs?.map { $0.key.text } == ["x", "y", "z"])
        #expect(node(c, "y")?.text == "1")
        #expect(node(c, "z")?.text == "3")
    }

    @Test("a merge value that is not a mapping is a yaml-syntax error")
    func badMerge() {
        let file = parse("a:\n  <<: 3\n  b: 1\n")
        #expect(file.diagnostics.map(\.code.rawValue) == ["yaml-syntax"])
        #expect(file.diagnostics.first?.range.start == pos(2, 7, 9))
        #expect(file.documents.first?.root["a"]?.pairs?.map { $0.key.text } == ["b"])
    }

    @Test("an undefined alias is a yaml-syntax error")
    func undefinedAlias() {
        let file = parse("a: *nope\nb: 1\n")
        #expect(file.diagnostics.count == 1)
        #expect(file.diagnostics.first?.code == .yamlSyntax)
        #expect(file.diagnostics.first?.message.contains("nope") == true)
        #expect(file.diagnostics.first?.range.start == pos(1, 4, 3))
    }

    @Test("a billion-laughs alias bomb is refused quickly with a diagnostic")
    func aliasBomb() {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let clock = ContinuousClock()
        var file: ParsedFile?
        let elapsed = clock.measure { file = parse(text) }
        #expect(elapsed < .seconds(2))
        let diagnostic = file?.diagnostics.first
        #expect(diagnostic?.code == .yamlSyntax)
        #expect(diagnostic?.message.contains("expands to too many nodes") == true)
        #expect((diagnostic?.range.start.line ?? 0) > 1)
        #expect(file?.documents.isEmpty == true)
    }

    @Test("the node limit counts the nodes aliases expand to: here 3 aliases of 4 nodes")
    func nodeLimit() {
        let text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
        var limits = YAMLParser.Limits()
        limits.maxNodes = 11
        #expect(parse(text, limits: limits).diagnostics.first?.message.contains("too many nodes") == true)
        limits.maxNodes = 12
        #expect(parse(text, limits: limits).diagnostics.isEmpty)
    }

    @Test("a large scalar aliased thousands of times is refused at the alias that passes the byte budget")
    func aliasedTextBudget() {
        let big = String(repeating: "x", count: 2 * 1024 * 1024)
        var text = "templates:\n  t0: &big {sms: \"\(big)\"}\n"
        for i in 1..<3000 { text += "  t\(i): *big\n" }
        let clock = ContinuousClock()
        var file: ParsedFile?
        let elapsed = clock.measure { file = parse(text) }
        #expect(elapsed < .seconds(5))
        let diagnostic = file?.diagnostics.first
        #expect(file?.diagnostics.count == 1)
        #expect(diagnostic?.code == .yamlSyntax)
        #expect(diagnostic?.message.contains("refused alias '*big'") == true)
        #expect(diagnostic?.message.contains("\(YAMLParser.Limits().maxAliasedBytes) bytes") == true)
        // 4 MiB allows one copy of 2 MiB (plus the key `sms`): the third alias is refused.
        #expect(diagnostic?.range.start.line == 4)
        #expect(file?.documents.isEmpty == true)
    }

    @Test("the byte budget counts keys and values of the aliased node, nested aliases expanded")
    func aliasedBytesCount() {
        // `a` holds 2 + 3 + 1 + 3 = 9 bytes (k1, abc, k, xyz); `b` holds a's 9 and its own key `n` = 10.
        let text = "a: &a {k1: abc, k: xyz}\nb: &b {n: *a}\nc: *b\n"
        var limits = YAMLParser.Limits()
        limits.maxAliasedBytes = 18
        #expect(parse(text, limits: limits).diagnostics.first?.message.contains("refused alias '*b'") == true)
        limits.maxAliasedBytes = 19
        #expect(parse(text, limits: limits).diagnostics.isEmpty)
    }

    @Test("text written out is not held to the alias byte budget")
    func writtenTextNotBudgeted() {
        var limits = YAMLParser.Limits()
        limits.maxAliasedBytes = 4
        let file = parse("a: \(String(repeating: "y", count: 100))\nb: [a, b, c]\n", limits: limits)
        #expect(file.diagnostics.isEmpty)
    }

    @Test("a large file without aliases is not held to the alias limit")
    func manyNodesWithoutAliases() {
        var limits = YAMLParser.Limits()
        limits.maxNodes = 10
        let file = parse((0..<50).map { "k\($0): [a, b]" }.joined(separator: "\n"), limits: limits)
        #expect(file.diagnostics.isEmpty)
        #expect(file.documents.first?.root.pairs?.count == 50)
    }
}

@Suite("limits and errors")
struct LimitTests {
    @Test("nesting deeper than the limit is refused", arguments: [true, false])
    func deepNesting(flow: Bool) {
        let depth = 300
        let text: String
        if flow {
            text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        } else {
            text = (0..<depth).map { String(repeating: " ", count: $0) + "k:" }.joined(separator: "\n") + " v\n"
        }
        let file = parse(text)
        #expect(file.diagnostics.count == 1)
        #expect(file.diagnostics.first?.code == .yamlSyntax)
        #expect(file.diagnostics.first?.message.contains("deeper than 256") == true)
        #expect(file.documents.isEmpty)
    }

    @Test("nesting at the limit is accepted")
    func nestingAtLimit() {
        let text = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(parse(text).diagnostics.isEmpty)
    }

    @Test("a file larger than maxBytes is refused at line 1")
    func tooLarge() {
        var limits = YAMLParser.Limits()
        limits.maxBytes = 10
        let file = parse("a: 1\nb: 2\nc: 3\n", limits: limits)
        #expect(file.documents.isEmpty)
        #expect(file.diagnostics.first?.code == .yamlSyntax)
        #expect(file.diagnostics.first?.range.start.line == 1)
    }

    @Test("a later duplicate key is recorded with both keys and its mapping, and the first one is kept")
    func duplicateKey() throws {
        let file = parse("rule:\n  id: a\n  channel: sms\n  id: b\n")
        #expect(file.diagnostics.isEmpty)
        #expect(file.duplicateKeys.count == 1)
        let duplicate = try #require(file.duplicateKeys.first)
        #expect(duplicate.key == "id")
        #expect(duplicate.range.start == pos(4, 3, 31))
        #expect(duplicate.first?.start == pos(2, 3, 8))
        let rule = try #require(file.documents.first?.root["rule"])
        #expect(duplicate.isKey(of: rule))
        #expect(!duplicate.isKey(of: try #require(file.documents.first?.root)))
        #expect(rule["id"]?.text == "a")
        #expect(rule.pairs?.count == 2)
    }

    @Test("read generically, a duplicate key is a yaml-syntax error at the later key, in source order")
    func duplicateKeyAsSyntaxError() throws {
        let file = parse("a: 1\na: 2\nb: [\n")
        let diagnostics = file.syntaxDiagnostics
        #expect(diagnostics.map(\.code.rawValue) == ["yaml-syntax", "yaml-syntax"])
        #expect(diagnostics.first?.message == "duplicate key 'a'")
        #expect(diagnostics.first?.range.start == pos(2, 1, 5))
    }

    @Test("a duplicate of a merge key has no first key to cite")
    func duplicateMergeKey() throws {
        let file = parse("base: &b {x: 1}\nm:\n  <<: *b\n  <<: *b\n")
        #expect(file.duplicateKeys.map(\.key) == ["<<"])
        #expect(file.duplicateKeys.first?.first == nil)
    }

    @Test("the same key in different mappings is not a duplicate")
    func sameKeyElsewhere() {
        #expect(parse("a: {id: 1}\nb: {id: 2}\nc: [{id: 3}, {id: 4}]\n").diagnostics.isEmpty)
    }

    @Test("a mis-indented key is a yaml-syntax error on its line; earlier documents are kept")
    func misindented() throws {
        let text = """
            herald: 1
            ---
            rules:
              - id: a
                on: work_order.created
               channel: sms
                template: t

            """
        let file = parse(text)
        #expect(file.documents.count == 1)
        let diagnostic = try #require(file.diagnostics.first)
        #expect(file.diagnostics.count == 1)
        #expect(diagnostic.code == .yamlSyntax)
        #expect(diagnostic.range.start.line == 6)
        #expect((1...5).contains(diagnostic.range.start.column))
        #expect(diagnostic.message.contains("did not find expected"))
        #expect(diagnostic.notes.contains { $0.contains("indentation of line 6") })
        #expect(diagnostic.notes.contains { $0.contains("starts at line 4") })
    }

    @Test(
        "syntax errors are reported at libyaml's position",
        arguments: [
            ("a: [1, 2\n", 2), ("a: 'x\n", 2), ("a: b: c\n", 1), ("- a\nb: c\n", 2), ("a: \"\\q\"\n", 1),
            ("\tkey: v\n", 1),
        ])
    func syntaxErrors(text: String, line: Int) {
        let file = parse(text)
        #expect(file.diagnostics.map(\.code.rawValue) == ["yaml-syntax"])
        #expect(file.diagnostics.first?.range.start.line == line)
    }

    @Test("invalid UTF-8 is a diagnostic at the bad byte, not a crash")
    func invalidUTF8() {
        let file = YAMLParser.parse(Data(Array("a: ok\nb: x".utf8) + [0xFF, 0x41, 0x0A]), path: "t.yaml")
        #expect(file.documents.isEmpty)
        #expect(file.diagnostics.first?.code == .yamlSyntax)
        #expect(file.diagnostics.first?.message.contains("UTF-8") == true)
        #expect(file.diagnostics.first?.range.start == pos(2, 5, 10))
        #expect(file.lines.count == 3)
    }

    @Test("UTF-16 input is refused as invalid UTF-8")
    func utf16() {
        let file = YAMLParser.parse(Data([0xFF, 0xFE, 0x61, 0x00]), path: "t.yaml")
        #expect(file.diagnostics.first?.message.contains("UTF-8") == true)
    }

    @Test("control characters are a yaml-syntax error with a position")
    func controlCharacter() {
        let file = parse("a: 1\nb: x\u{01}y\n")
        #expect(file.diagnostics.first?.code == .yamlSyntax)
        #expect(file.diagnostics.first?.range.start.line == 2)
    }
}

@Suite("libyaml's errors in the user's words")
struct YAMLErrorWordingTests {
    func diagnostics(_ text: String) -> [Diagnostic] {
        YAMLParser.parse(Data(text.utf8), path: "r.yaml").diagnostics
    }

    @Test("a tab that indents says to use spaces, with libyaml's text as a note")
    func tab() {
        let d = diagnostics("rules:\n\t- id: a\n")
        #expect(d.count == 1)
        #expect(d.first?.code == .yamlSyntax)
        #expect(d.first?.message.hasPrefix("tabs cannot indent YAML: use spaces") == true)
        #expect(d.first?.notes.first?.hasPrefix("libyaml:") == true)
    }

    @Test("a key indented too far says so")
    func overIndented() {
        let d = diagnostics("rules:\n  - id: a\n    on: work_order.created\n      channel: sms\n")
        #expect(d.first?.message.hasPrefix("this key is indented deeper than the key above it") == true)
    }

    @Test("a value that starts with a quoted string and goes on says to quote the whole expression")
    func quotedThenMore() {
        let d = diagnostics("rules:\n  - id: a\n    where: \"en\" == client.language\n    channel: sms\n")
        #expect(d.count == 1)
        let message = d.first?.message ?? ""
        #expect(message.hasPrefix("the value of 'where' ends at its closing quote"))
        #expect(message.hasSuffix("where: '\"en\" == client.language'"))
        #expect(d.first?.range.start.line == 3)
    }

    @Test("the fix uses the other kind of quotes, and drops a trailing comment")
    func quotedThenMoreSingle() {
        let d = diagnostics("rules:\n  - id: a\n    where: 'en' == client.language  # English\n")
        #expect(d.first?.message.hasSuffix("where: \"'en' == client.language\"") == true)
    }

    @Test("a value holding ': ' says to quote the whole value")
    func valueWithColon() {
        let d = diagnostics("rules:\n  - id: a\n    where: client.note == \"a: b\"\n")
        #expect(d.count == 1)
        #expect(d.first?.message.hasPrefix("the value of 'where' holds ': '") == true)
        #expect(d.first?.message.hasSuffix("where: 'client.note == \"a: b\"'") == true)
    }

    @Test("a key indented too far is not mistaken for a value holding ': '")
    func overIndentedIsNotAValue() {
        let d = diagnostics("a:\n  b: 1\n    c: 2\n")
        #expect(d.first?.message == "this key is indented deeper than the key above it: indent it like the keys beside it")
    }
}
