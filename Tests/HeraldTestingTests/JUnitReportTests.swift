import Foundation
import HeraldSyntax
import HeraldTestSupport
import HeraldTesting
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("JUnit XML")
struct JUnitReportTests {
    @Test("one testsuite per file, one testcase per test, failures carry the diff, all escaped")
    func structure() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "a.test.yaml": """
            tests:
              - name: passes <fine> & "quoted"
                events: [\(readyEvent())]
                expect: [{decision: send}]
              - name: fails
                events: [\(readyEvent())]
                expect: [{decision: skip}]
            """,
            "b.test.yaml": "tests: [{name: x, events: [], expet: []}]\n",
        ])
        let report = runTests(in: dir)
        let xml = JUnitReport(includesTimes: false).xml(for: report)
        let document = try XMLDocument(xmlString: xml, options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        #expect(root.attribute(forName: "tests")?.stringValue == "3")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        #expect(root.attribute(forName: "errors")?.stringValue == "1")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.map { $0.attribute(forName: "name")?.stringValue } == [dir.path("a.test.yaml"), dir.path("b.test.yaml")])
        let cases = suites[0].elements(forName: "testcase")
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == [#"passes <fine> & "quoted""#, "fails"])
        #expect(cases[0].elements(forName: "failure").isEmpty)
        let failure = try #require(cases[1].elements(forName: "failure").first)
        #expect(failure.attribute(forName: "message")?.stringValue == "1 record differs")
        #expect(failure.stringValue?.contains(#"decision: want "skip""#) == true)
        #expect(cases[1].attribute(forName: "line")?.stringValue == "7")
        let error = try #require(suites[1].elements(forName: "testcase").first?.elements(forName: "error").first)
        #expect(error.stringValue?.contains("[unknown-key]") == true)
        #expect(!xml.contains("time="))
    }

    @Test("text that XML cannot hold is escaped or replaced", arguments: [
        ("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;"),
        ("line\nbreak", "line&#10;break"),
        ("bell\u{7}", "bell\u{FFFD}"),
        ("São Paulo – Centro", "São Paulo – Centro"),
    ])
    func escaping(text: String, escaped: String) {
        #expect(JUnitReport.escape(text) == escaped)
    }
}
