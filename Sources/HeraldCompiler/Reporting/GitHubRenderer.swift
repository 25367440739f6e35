import HeraldSyntax

/// The `github` format: one GitHub Actions workflow command per diagnostic,
/// `::error file=F,line=L,col=C::MESSAGE [code]` (`::warning` for
/// warnings), exactly the pattern of SPEC §10.1, which GitHub shows as an
/// annotation on the file. (GitHub would also take `endLine` and
/// `endColumn`; they are left out so that the line has the spec's form.) Property values escape `%`, CR, LF, `:` and `,`; the message
/// escapes `%`, CR and LF, as the runner's command parser expects.
struct GitHubRenderer {
    func render(_ report: DiagnosticReport) -> String {
        var out = ""
        for diagnostic in report.diagnostics {
            let range = ReportedRange(diagnostic.range)
            let properties = [
                "file=\(Self.escapeProperty(diagnostic.range.file))",
                "line=\(range.line)",
                "col=\(range.column)",
            ]
            let message = ([diagnostic.message] + diagnostic.notes).joined(separator: "\n")
            out += "::\(diagnostic.severity.rawValue) \(properties.joined(separator: ","))::"
            out += Self.escapeData("\(message) [\(diagnostic.code)]") + "\n"
        }
        return out
    }

    /// Escapes a command's data part (the message).
    static func escapeData(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes a property value (`file=…`).
    static func escapeProperty(_ text: String) -> String {
        var out = ""
        for scalar in escapeData(text).unicodeScalars {
            switch scalar {
            case ":": out += "%3A"
            case ",": out += "%2C"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
