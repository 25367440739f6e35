import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

// Golden tests of the four lint output formats, on hand-made diagnostics.

/// A diagnostic on one line, columns `column..<endColumn`.
private func diagnostic(
    severity: Severity = .error, _ code: DiagnosticCode, _ message: String,
    file: String = "Rules/a.yaml", line: Int, column: Int, endLine: Int? = nil, endColumn: Int,
    notes: [String] = []
) -> Diagnostic {
    Diagnostic(
        severity, code: code, message: message,
        range: SourceRange(
            file: file,
            start: SourcePosition(line: line, column: column, offset: 0),
            end: SourcePosition(line: endLine ?? line, column: endColumn, offset: 0)),
        notes: notes)
}

/// Source lines as `ParsedFile.lines` holds them.
private func lines(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: false)
}

private func render(_ report: DiagnosticReport, _ format: DiagnosticFormat, pretty: Bool = true) -> String {
    DiagnosticFormatter(format: format, options: .init(prettyJSON: pretty)).string(for: report)
}

private let workOrders = lines(
    """
    herald: 1
    statuses:
      work_order: [open, in_repair, ready_for_pickup]
    templates:
      ready:
        sms: "OS {{work_order.number}} pronta."
    rules:
      - id: wo-ready
        on: work_order.status_changed
        to: ready_for_pikcup
        channel: sms
        template: ready
    """)

/// The SPEC §10.1 example: one error in one file, plus a warning in another.
private let specReport = DiagnosticReport(
    diagnostics: [
        diagnostic(
            severity: .warning, .unusedTemplate, "template 'old' is not used by any rule",
            file: "Rules/b.yaml", line: 2, column: 3, endColumn: 6),
        diagnostic(
            .unknownStatus,
            "unknown status 'ready_for_pikcup' of work_order; did you mean 'ready_for_pickup'?",
            line: 10, column: 9, endColumn: 25),
    ],
    sourceLines: ["Rules/a.yaml": workOrders, "Rules/b.yaml": lines("templates:\n  old:\n    sms: hi\n")],
    fileCount: 5)

@Suite("Lint output: text")
struct TextFormatTests {
    @Test("renders the SPEC §10.1 shape: header, gutter, caret underline, blank line, summary")
    func specShape() {
        #expect(
            render(specReport, .text) == """
                Rules/a.yaml:10:9: error: unknown status 'ready_for_pikcup' of work_order; did you mean 'ready_for_pickup'? [unknown-status]
                   |
                10 |     to: ready_for_pikcup
                   |         ^~~~~~~~~~~~~~~~

                Rules/b.yaml:2:3: warning: template 'old' is not used by any rule [unused-template]
                  |
                2 |   old:
                  |   ^~~

                1 error, 1 warning in 5 files

                """)
    }

    @Test(
        "tabs, accents, combining marks, CJK and emoji before or inside the range do not shift the caret",
        arguments: [
            // (source line, start column, end column, printed line, spaces before the caret, underlined cells)
            ("\tto: x", 6, 7, "\u{2192}   to: x", 8, 1),
            ("a\tb: x", 3, 4, "a\u{2192}  b: x", 4, 1),
            ("k: a\tb", 4, 7, "k: a\u{2192}   b", 3, 6),
            ("  name: São Paulo – Centro, zona: x", 35, 36, "  name: São Paulo – Centro, zona: x", 34, 1),
            ("  name: Sa\u{0303}o: x", 15, 16, "  name: Sa\u{0303}o: x", 13, 1),
            ("  名前: 東京店, id: x", 16, 17, "  名前: 東京店, id: x", 20, 1),
            ("  sms: \"Olá 👋 {{client.nme}}\"", 15, 29, "  sms: \"Olá 👋 {{client.nme}}\"", 15, 14),
            ("  to: 東京", 7, 9, "  to: 東京", 6, 4),
            ("x: \u{1B}[31mred", 4, 5, "x: \u{FFFD}[31mred", 3, 1),
        ] as [(String, Int, Int, String, Int, Int)])
    func caretPlacement(line: String, start: Int, end: Int, printed: String, indent: Int, width: Int) {
        let report = DiagnosticReport(
            diagnostics: [diagnostic(.unknownField, "m", file: "f.yaml", line: 1, column: start, endColumn: end)],
            sourceLines: ["f.yaml": [Substring(line)]], fileCount: 1)
        let underline = String(repeating: " ", count: indent) + "^" + String(repeating: "~", count: width - 1)
        #expect(
            render(report, .text) == """
                f.yaml:1:\(start): error: m [unknown-field]
                  |
                1 | \(printed)
                  | \(underline)

                1 error, 0 warnings in 1 file

                """)
    }

    @Test("a multi-line range is underlined to the end of its first line")
    func multiLine() {
        let report = DiagnosticReport(
            diagnostics: [diagnostic(.templateSyntax, "unclosed '{{#if'", line: 2, column: 8, endLine: 4, endColumn: 3)],
            sourceLines: ["Rules/a.yaml": lines("body: |\n  Olá, {{#if work_order.summary}}\n  x\n  y\n")],
            fileCount: 1)
        #expect(
            render(report, .text) == """
                Rules/a.yaml:2:8: error: unclosed '{{#if' [template-syntax]
                  |
                2 |   Olá, {{#if work_order.summary}}
                  |        ^~~~~~~~~~~~~~~~~~~~~~~~~~

                1 error, 0 warnings in 1 file

                """)
    }

    @Test("an empty range gets one caret, also just past the end of the line; a line that is not there gets no excerpt")
    func emptyAndMissing() {
        let report = DiagnosticReport(
            diagnostics: [
                diagnostic(.missingKey, "rule 'r' has no 'template'", line: 1, column: 6, endColumn: 6),
                diagnostic(.yamlSyntax, "did not find expected key", line: 2, column: 8, endColumn: 8),
                diagnostic(.yamlSyntax, "unexpected end of file", line: 9, column: 1, endColumn: 1, notes: ["the mapping starts at line 1"]),
                diagnostic(.unknownKey, "unknown key 'x'", file: "Rules/gone.yaml", line: 1, column: 1, endColumn: 2),
            ],
            sourceLines: ["Rules/a.yaml": lines("- id: r\n  on: x\n")],
            fileCount: 2)
        #expect(
            render(report, .text) == """
                Rules/a.yaml:1:6: error: rule 'r' has no 'template' [missing-key]
                  |
                1 | - id: r
                  |      ^

                Rules/a.yaml:2:8: error: did not find expected key [yaml-syntax]
                  |
                2 |   on: x
                  |        ^

                Rules/a.yaml:9:1: error: unexpected end of file [yaml-syntax]
                  = note: the mapping starts at line 1

                Rules/gone.yaml:1:1: error: unknown key 'x' [unknown-key]

                4 errors, 0 warnings in 2 files

                """)
    }

    @Test(
        "the summary line counts errors, warnings and files with the right plurals",
        arguments: [
            (0, 0, 0, "no problems in 0 files"),
            (0, 0, 1, "no problems in 1 file"),
            (1, 0, 1, "1 error, 0 warnings in 1 file"),
            (0, 1, 3, "0 errors, 1 warning in 3 files"),
            (2, 1, 5, "2 errors, 1 warning in 5 files"),
        ])
    func summary(errors: Int, warnings: Int, files: Int, expected: String) {
        let diagnostics =
            (0..<errors).map { diagnostic(.wrongType, "e", line: $0 + 1, column: 1, endColumn: 2) }
            + (0..<warnings).map { diagnostic(severity: .warning, .optionalTag, "w", line: $0 + 1, column: 1, endColumn: 2) }
        let report = DiagnosticReport(diagnostics: diagnostics, fileCount: files)
        #expect(report.summary == expected)
        #expect(report.errorCount == errors && report.warningCount == warnings)
        #expect(render(report, .text).hasSuffix("\n\(expected)\n") || render(report, .text) == expected + "\n")
    }

    @Test("colour wraps severity, gutter and caret in ANSI codes only when asked; message control characters are neutralized")
    func colourAndControlCharacters() {
        let report = DiagnosticReport(
            diagnostics: [diagnostic(.unknownKey, "unknown key 'a\nb\u{1B}'", line: 10, column: 9, endColumn: 11)],
            sourceLines: ["Rules/a.yaml": workOrders], fileCount: 1)
        let plain = render(report, .text)
        #expect(plain.hasPrefix("Rules/a.yaml:10:9: error: unknown key 'a\\nb\u{FFFD}' [unknown-key]\n"))
        #expect(!plain.contains("\u{1B}"))
        let colored = DiagnosticFormatter(format: .text, options: .init(colored: true)).string(for: report)
        #expect(colored.contains("\u{1B}[1;31merror:\u{1B}[0m"))
        #expect(colored.contains("\u{1B}[1;31m^~\u{1B}[0m"))
    }
}

@Suite("Lint output: JSON")
struct JSONFormatTests {
    @Test("is an array of {file, line, column, end_line, end_column, severity, code, message} in that key order")
    func golden() {
        let report = DiagnosticReport(
            diagnostics: [
                diagnostic(
                    .unknownField, "unknown field 'client.nme' in \"São Paulo – Centro\"\tx\\y",
                    file: "Rules/loja/modelos.yaml", line: 3, column: 20, endColumn: 30),
                diagnostic(severity: .warning, .smsTooLong, "SMS needs 2 segments", file: "Rules/a.yaml", line: 1, column: 5, endLine: 2, endColumn: 1),
            ],
            fileCount: 2)
        #expect(
            render(report, .json) == #"""
                [
                  {
                    "file": "Rules/a.yaml",
                    "line": 1,
                    "column": 5,
                    "end_line": 2,
                    "end_column": 1,
                    "severity": "warning",
                    "code": "sms-too-long",
                    "message": "SMS needs 2 segments"
                  },
                  {
                    "file": "Rules/loja/modelos.yaml",
                    "line": 3,
                    "column": 20,
                    "end_line": 3,
                    "end_column": 30,
                    "severity": "error",
                    "code": "unknown-field",
                    "message": "unknown field 'client.nme' in \"São Paulo – Centro\"\tx\\y"
                  }
                ]

                """#)
        #expect(
            render(report, .json, pretty: false) == #"""
                [{"file":"Rules/a.yaml","line":1,"column":5,"end_line":2,"end_column":1,"severity":"warning","code":"sms-too-long","message":"SMS needs 2 segments"},{"file":"Rules/loja/modelos.yaml","line":3,"column":20,"end_line":3,"end_column":30,"severity":"error","code":"unknown-field","message":"unknown field 'client.nme' in \"São Paulo – Centro\"\tx\\y"}]

                """#)
    }

    @Test("a clean report is an empty array, and the output parses back to the same values")
    func emptyAndRoundTrip() throws {
        #expect(render(DiagnosticReport(diagnostics: [], fileCount: 3), .json) == "[]\n")
        let message = "control \u{01} and \u{7F}, quote \" and emoji 👋"
        let report = DiagnosticReport(
            diagnostics: [diagnostic(.wrongType, message, line: 0, column: 0, endColumn: 0)], fileCount: 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(render(report, .json).utf8)) as? [[String: Any]]
        let object = try #require(parsed?.first)
        #expect(object["message"] as? String == message)
        #expect(object["line"] as? Int == 1, "positions are clamped to 1-based")
        #expect(object["column"] as? Int == 1)
        #expect(object["end_column"] as? Int == 1)
    }
}

@Suite("Lint output: SARIF")
struct SARIFFormatTests {
    @Test("is a SARIF 2.1.0 log: one run, driver rules for the used codes, results with regions")
    func golden() {
        let report = DiagnosticReport(
            diagnostics: [
                diagnostic(severity: .warning, .unusedTemplate, "template 'old' is not used by any rule", file: "./Rules/b c.yaml", line: 2, column: 3, endColumn: 6),
                diagnostic(.unknownStatus, "unknown status 'ready_for_pikcup' of work_order", line: 10, column: 9, endColumn: 25),
                diagnostic(.unknownStatus, "unknown status 'x' of lead", file: "/srv/regras/ação.yaml", line: 4, column: 7, endColumn: 8),
            ],
            fileCount: 3)
        let options = DiagnosticFormatter.Options(informationURI: "https://example.org/herald", toolVersion: "1.0.0")
        #expect(
            DiagnosticFormatter(format: .sarif, options: options).string(for: report) == #"""
                {
                  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                  "version": "2.1.0",
                  "runs": [
                    {
                      "tool": {
                        "driver": {
                          "name": "herald",
                          "informationUri": "https://example.org/herald",
                          "version": "1.0.0",
                          "rules": [
                            {
                              "id": "unknown-status",
                              "shortDescription": {
                                "text": "A status that is not in its entity's status list"
                              },
                              "defaultConfiguration": {
                                "level": "error"
                              }
                            },
                            {
                              "id": "unused-template",
                              "shortDescription": {
                                "text": "A template no rule uses"
                              },
                              "defaultConfiguration": {
                                "level": "warning"
                              }
                            }
                          ]
                        }
                      },
                      "columnKind": "unicodeCodePoints",
                      "results": [
                        {
                          "ruleId": "unused-template",
                          "ruleIndex": 1,
                          "level": "warning",
                          "message": {
                            "text": "template 'old' is not used by any rule"
                          },
                          "locations": [
                            {
                              "physicalLocation": {
                                "artifactLocation": {
                                  "uri": "Rules/b%20c.yaml"
                                },
                                "region": {
                                  "startLine": 2,
                                  "startColumn": 3,
                                  "endLine": 2,
                                  "endColumn": 6
                                }
                              }
                            }
                          ]
                        },
                        {
                          "ruleId": "unknown-status",
                          "ruleIndex": 0,
                          "level": "error",
                          "message": {
                            "text": "unknown status 'x' of lead"
                          },
                          "locations": [
                            {
                              "physicalLocation": {
                                "artifactLocation": {
                                  "uri": "file:///srv/regras/a%C3%A7%C3%A3o.yaml"
                                },
                                "region": {
                                  "startLine": 4,
                                  "startColumn": 7,
                                  "endLine": 4,
                                  "endColumn": 8
                                }
                              }
                            }
                          ]
                        },
                        {
                          "ruleId": "unknown-status",
                          "ruleIndex": 0,
                          "level": "error",
                          "message": {
                            "text": "unknown status 'ready_for_pikcup' of work_order"
                          },
                          "locations": [
                            {
                              "physicalLocation": {
                                "artifactLocation": {
                                  "uri": "Rules/a.yaml"
                                },
                                "region": {
                                  "startLine": 10,
                                  "startColumn": 9,
                                  "endLine": 10,
                                  "endColumn": 25
                                }
                              }
                            }
                          ]
                        }
                      ]
                    }
                  ]
                }

                """#)
    }

    @Test("has every property the SARIF 2.1.0 schema requires, with the allowed values, also when clean")
    func schemaRequirements() throws {
        for report in [specReport, DiagnosticReport(diagnostics: [], fileCount: 0)] {
            let data = Data(render(report, .sarif, pretty: false).utf8)
            let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(log["version"] as? String == "2.1.0")
            #expect(log["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
            let runs = try #require(log["runs"] as? [[String: Any]])
            #expect(runs.count == 1)
            let run = try #require(runs.first)
            let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
            #expect(driver["name"] as? String == "herald")
            #expect((driver["informationUri"] as? String)?.hasPrefix("https://") == true)
            let rules = try #require(driver["rules"] as? [[String: Any]])
            for rule in rules {
                #expect(rule["id"] is String)
                #expect((rule["shortDescription"] as? [String: Any])?["text"] is String)
            }
            let results = try #require(run["results"] as? [[String: Any]])
            #expect(results.count == report.diagnostics.count)
            for result in results {
                #expect((result["message"] as? [String: Any])?["text"] is String)
                #expect(["error", "warning", "note", "none"].contains(result["level"] as? String ?? ""))
                let index = try #require(result["ruleIndex"] as? Int)
                #expect(rules.indices.contains(index) && rules[index]["id"] as? String == result["ruleId"] as? String)
                let physical = try #require(
                    (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
                #expect((physical["artifactLocation"] as? [String: Any])?["uri"] is String)
                let region = try #require(physical["region"] as? [String: Int])
                for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                    #expect((region[key] ?? 0) >= 1, "\(key) must be at least 1")
                }
            }
        }
    }
}

@Suite("Lint output: GitHub annotations")
struct GitHubFormatTests {
    @Test("writes one ::error/::warning command per diagnostic: file, line, col (SPEC §10.1)")
    func golden() {
        #expect(
            render(specReport, .github) == """
                ::error file=Rules/a.yaml,line=10,col=9::unknown status 'ready_for_pikcup' of work_order; did you mean 'ready_for_pickup'? [unknown-status]
                ::warning file=Rules/b.yaml,line=2,col=3::template 'old' is not used by any rule [unused-template]

                """)
        #expect(render(DiagnosticReport(diagnostics: [], fileCount: 1), .github) == "")
    }

    @Test("escapes %, CR and LF in the message, and also ':' and ',' in properties")
    func escaping() {
        let report = DiagnosticReport(
            diagnostics: [
                diagnostic(
                    .templateSyntax, "50% off:\r\nline two, ação",
                    file: "Rules/a,b:c%.yaml", line: 3, column: 1, endColumn: 4, notes: ["note"])
            ],
            fileCount: 1)
        #expect(
            render(report, .github)
                == "::error file=Rules/a%2Cb%3Ac%25.yaml,line=3,col=1::50%25 off:%0D%0Aline two, ação%0Anote [template-syntax]\n"
        )
    }
}

@Suite("Lint report")
struct DiagnosticReportTests {
    @Test("merges compilation results: diagnostics sorted by file, line, column; files counted")
    func merging() {
        let first = CompilationResult(
            ruleSet: nil,
            diagnostics: [diagnostic(.wrongType, "b", file: "x/b.yaml", line: 1, column: 1, endColumn: 2)],
            sources: ["x/b.yaml": ParsedFile(path: "x/b.yaml", documents: [], diagnostics: [], lines: ["k: v"])],
            fileCount: 2)
        let second = CompilationResult(
            ruleSet: nil,
            diagnostics: [
                diagnostic(.wrongType, "a2", file: "a.yaml", line: 2, column: 1, endColumn: 2),
                diagnostic(.wrongType, "a1", file: "a.yaml", line: 1, column: 3, endColumn: 4),
            ],
            sources: [:], fileCount: 1)
        let report = DiagnosticReport(results: [first, second])
        #expect(report.diagnostics.map(\.message) == ["a1", "a2", "b"])
        #expect(report.fileCount == 3)
        #expect(report.sourceLines["x/b.yaml"] == ["k: v"])
    }

    @Test("fails on errors, and on warnings only with warnings-as-errors")
    func failures() {
        let warnings = DiagnosticReport(
            diagnostics: [diagnostic(severity: .warning, .unusedCalendar, "w", line: 1, column: 1, endColumn: 2)], fileCount: 1)
        #expect(!warnings.hasFailures())
        #expect(warnings.hasFailures(warningsAsErrors: true))
        #expect(specReport.hasFailures())
        #expect(!DiagnosticReport(diagnostics: [], fileCount: 1).hasFailures(warningsAsErrors: true))
    }

    @Test("the catalog describes every code of SPEC §11 once, with its severity")
    func catalog() {
        let errors = """
            yaml-syntax unknown-key missing-key wrong-type duplicate-name unknown-trigger unknown-status \
            unknown-field unknown-template unknown-location unknown-region unknown-calendar unknown-channel \
            unknown-filter missing-template-channel filter-not-applicable type-mismatch expression-syntax \
            template-syntax invalid-duration invalid-time-zone invalid-hours invalid-email missing-calendar \
            unsupported-version
            """.split(separator: " ").map(String.init)
        let warnings = """
            optional-tag sms-too-long unused-template unused-calendar zone-mismatch duplicate-notification unreachable-rule
            """.split(separator: " ").map(String.init)
        #expect(DiagnosticCatalog.entries.map(\.code.rawValue) == errors + warnings)
        for code in errors { #expect(DiagnosticCatalog.entry(for: DiagnosticCode(rawValue: code))?.severity == .error) }
        for code in warnings { #expect(DiagnosticCatalog.entry(for: DiagnosticCode(rawValue: code))?.severity == .warning) }
        #expect(DiagnosticCatalog.entry(for: DiagnosticCode(rawValue: "no-such-code")) == nil)
    }
}
