/// The output formats of `herald lint` (docs/rule-language.md §12, "Output formats").
public enum DiagnosticFormat: String, Sendable, Hashable, CaseIterable {
    /// For people: `FILE:LINE:COL: error: MESSAGE [code]`, a source excerpt
    /// with a caret underline, and a summary line.
    case text
    /// A JSON array of `{file, line, column, end_line, end_column, severity, code, message}`.
    case json
    /// A SARIF 2.1.0 log, for code-scanning tools.
    case sarif
    /// GitHub Actions workflow commands (`::error file=…::message [code]`),
    /// which show up as annotations on a pull request.
    case github

    /// Whether the format is meant for programs; then stdout holds only the
    /// rendered report and summaries go to stderr.
    public var isMachineReadable: Bool { self != .text }
}

/// Renders a `DiagnosticReport` in one of the `DiagnosticFormat`s.
///
/// Rendering is a pure function of the report and the options, so the
/// output can be compared byte for byte in tests.
public struct DiagnosticFormatter: Sendable {
    /// How the output should look.
    public struct Options: Sendable, Hashable {
        /// Text only: wrap parts of the output in ANSI colour codes.
        public var colored: Bool
        /// JSON and SARIF only: indent nested values two spaces per level
        /// (otherwise one line).
        public var prettyJSON: Bool
        /// Text only: a tab in a source excerpt advances to the next multiple
        /// of this many columns.
        public var tabWidth: Int
        /// SARIF only: the tool's home page (`tool.driver.informationUri`).
        public var informationURI: String
        /// SARIF only: the tool's version (`tool.driver.version`), if known.
        public var toolVersion: String?

        /// Creates options; the defaults give plain, pretty, reproducible output.
        public init(
            colored: Bool = false,
            prettyJSON: Bool = true,
            tabWidth: Int = 4,
            informationURI: String = DiagnosticFormatter.defaultInformationURI,
            toolVersion: String? = nil
        ) {
            self.colored = colored
            self.prettyJSON = prettyJSON
            self.tabWidth = tabWidth
            self.informationURI = informationURI
            self.toolVersion = toolVersion
        }
    }

    /// Where SARIF viewers send a user who wants to know what `herald` is:
    /// the rule-language reference shipped with the project.
    public static let defaultInformationURI = "https://github.com/herald-rules/herald/blob/main/docs/rule-language.md"

    /// The format to render.
    public var format: DiagnosticFormat
    /// How to render it.
    public var options: Options

    /// Creates a formatter.
    public init(format: DiagnosticFormat, options: Options = Options()) {
        self.format = format
        self.options = options
    }

    /// The whole report in this formatter's format, ending with a line break
    /// (empty for a clean report in the `github` format).
    public func string(for report: DiagnosticReport) -> String {
        switch format {
        case .text: TextRenderer(options: options).render(report)
        case .json: JSONRenderer(options: options).render(report)
        case .sarif: SARIFRenderer(options: options).render(report)
        case .github: GitHubRenderer().render(report)
        }
    }
}
