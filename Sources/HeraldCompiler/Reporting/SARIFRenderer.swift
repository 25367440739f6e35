import HeraldSyntax

/// The SARIF format: a SARIF 2.1.0 log with one run of the `herald` tool.
///
/// * `tool.driver.rules` lists each code that occurs, sorted, with its
///   short description and default level; results point at it by `ruleId`
///   and `ruleIndex`.
/// * `columnKind` is `unicodeCodePoints`: columns count Unicode scalars,
///   as in every other format.
/// * Locations are relative URI references with forward slashes (an
///   absolute path becomes a `file://` URI), with a 1-based region whose
///   end is just past the last character.
struct SARIFRenderer {
    var options: DiagnosticFormatter.Options

    static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

    func render(_ report: DiagnosticReport) -> String {
        var ruleCodes: [DiagnosticCode] = []
        var levels: [DiagnosticCode: Severity] = [:]
        for diagnostic in report.diagnostics where levels[diagnostic.code] == nil {
            levels[diagnostic.code] = diagnostic.severity
            ruleCodes.append(diagnostic.code)
        }
        ruleCodes.sort()
        let ruleIndex = Dictionary(ruleCodes.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

        let rules: [JSONValue] = ruleCodes.map { code in
            let entry = DiagnosticCatalog.entry(for: code)
            let level = entry?.severity ?? levels[code] ?? .error
            return .object([
                ("id", .string(code.rawValue)),
                ("shortDescription", .object([("text", .string(entry?.summary ?? "Herald diagnostic \(code)"))])),
                ("defaultConfiguration", .object([("level", .string(level.rawValue))])),
            ])
        }

        let results: [JSONValue] = report.diagnostics.map { diagnostic in
            var members: [(String, JSONValue)] = [
                ("ruleId", .string(diagnostic.code.rawValue)),
                ("ruleIndex", .int(ruleIndex[diagnostic.code] ?? -1)),
                ("level", .string(diagnostic.severity.rawValue)),
                ("message", .object([("text", .string(Self.messageText(diagnostic)))])),
            ]
            if !diagnostic.range.file.isEmpty {
                let range = ReportedRange(diagnostic.range)
                let location: JSONValue = .object([
                    ("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(Self.uri(forPath: diagnostic.range.file)))])),
                        ("region", .object([
                            ("startLine", .int(range.line)),
                            ("startColumn", .int(range.column)),
                            ("endLine", .int(range.endLine)),
                            ("endColumn", .int(range.endColumn)),
                        ])),
                    ]))
                ])
                members.append(("locations", .array([location])))
            }
            return .object(members)
        }

        var driver: [(String, JSONValue)] = [
            ("name", .string("herald")),
            ("informationUri", .string(options.informationURI)),
        ]
        if let version = options.toolVersion {
            driver.append(("version", .string(version)))
        }
        driver.append(("rules", .array(rules)))

        let log: JSONValue = .object([
            ("$schema", .string(Self.schemaURI)),
            ("version", .string("2.1.0")),
            ("runs", .array([
                .object([
                    ("tool", .object([("driver", .object(driver))])),
                    ("columnKind", .string("unicodeCodePoints")),
                    ("results", .array(results)),
                ])
            ])),
        ])
        return log.serialized(pretty: options.prettyJSON) + "\n"
    }

    /// The message, with the diagnostic's notes as further lines.
    static func messageText(_ diagnostic: Diagnostic) -> String {
        ([diagnostic.message] + diagnostic.notes).joined(separator: "\n")
    }

    /// A URI reference for a reported path: relative paths stay relative
    /// (leading `./` removed), absolute ones become `file://` URIs; every
    /// byte outside RFC 3986's path characters is percent-encoded, and so is
    /// `:` (a relative reference must not look like it has a scheme).
    static func uri(forPath path: String) -> String {
        var path = Substring(path)
        while path.hasPrefix("./") { path = path.dropFirst(2).drop { $0 == "/" } }
        var encoded = ""
        for byte in path.utf8 {
            if isPathByte(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    private static func isPathByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~!$&'()*+,;=@/".utf8.contains(byte)
        }
    }
}
