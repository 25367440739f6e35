import ArgumentParser
import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `herald eval --rules PATH [EVENTS|-] [--explain] [--state FILE]`: reads
/// NDJSON events, writes NDJSON decision records to stdout (README.md "Command line").
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate NDJSON events against a rule set and print the decision records.",
        usage: "herald eval --rules <path> [<events>] [--explain] [--state <file>]",
        discussion: """
            Reads one JSON event per line from EVENTS (a file, or standard input for '-' or \
            when absent) and writes one JSON decision record per line to stdout (SPEC §9). \
            --rules takes a rule-set directory or file, or a file written by 'herald compile'. \
            With --state FILE, the state (processed event ids, planned sends, reminders) is read \
            from FILE when it exists and written back atomically at the end, so batches run one \
            after the other give the records of one stream; a FILE that is not a Herald state is \
            refused (exit 1) and left untouched. \
            Exit status: 0 when the rules compile, whatever the events; 1 with diagnostics on \
            stderr when they do not; 2 usage error.
            """
    )

    // Optional to ArgumentParser so that an unknown option is reported as
    // such before a missing --rules (checkArguments requires it).
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp("Rule set: a directory, a YAML file, or a compiled bundle (required).", valueName: "path"))
    var rulesOption: String?

    /// The rule-set path (`checkArguments` makes sure it was given).
    var rules: String { rulesOption ?? "" }

    @Argument(help: ArgumentHelp("NDJSON events; '-' or absent for standard input.", valueName: "events"))
    var events: String = "-"

    @Flag(help: "Also write a 'none' record for every rule that did not apply, naming the filter that failed.")
    var explain = false

    @Option(
        help: ArgumentHelp(
            "Read the evaluation state from this file when it exists, and write it back at the end.", valueName: "file"))
    var state: String?

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        guard rulesOption != nil else {
            throw ValidationError("missing --rules <path>: the rule set (directory, file or compiled bundle) to evaluate")
        }
        if rules.isEmpty { throw ValidationError("empty rule-set path") }
        if !FileManager.default.fileExists(atPath: rules) {
            throw ValidationError("no such rule set: '\(rules)'")
        }
        try CommandLinePath.requireFileOrDirectory(rules)
        if events != "-" && !FileManager.default.fileExists(atPath: events) {
            throw ValidationError("no such events file: '\(events)'")
        }
        if let state {
            if state.isEmpty { throw ValidationError("empty state path") }
            try CommandLinePath.requireFileOrDirectory(state)
            let directory = (state as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                throw ValidationError("no such directory for the state file: '\(directory)'")
            }
        }
    }

    func run() async throws {
        try checkArguments()
        guard let ruleSet = RuleSetLoading.load(rules) else { throw ExitCode(ExitStatus.findings) }
        var state = RuntimeState()
        if let path = self.state {
            guard let loaded = StatePersistence.load(path) else { throw ExitCode(ExitStatus.findings) }
            state = loaded
        }
        let runtime = Runtime(ruleSet: ruleSet)
        let input: Int32
        if events == "-" {
            input = STDIN_FILENO
        } else {
            input = open(events, O_RDONLY)
            guard input >= 0 else {
                StandardStreams.printError("herald: error: cannot read '\(events)': \(String(cString: strerror(errno)))")
                throw ExitCode(ExitStatus.usage)
            }
            // A directory opens but cannot be read: a usage error like a
            // missing file (exit 2), not an internal one. (A FIFO is fine:
            // events may be streamed.)
            var info = stat()
            if fstat(input, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
                close(input)
                StandardStreams.printError("herald: error: cannot read '\(events)': it is a directory, not an NDJSON file")
                throw ExitCode(ExitStatus.usage)
            }
        }
        defer { if input != STDIN_FILENO { close(input) } }

        var output = NDJSONWriter(capacity: 1 << 17)
        let lines = NDJSONLineReader(descriptor: input)
        while let line = lines.next() {
            output.process(line, runtime: runtime, state: &state, explain: explain)
            if output.count >= 1 << 16 { StandardOutput.flush(&output) }
        }
        StandardOutput.flush(&output)
        if let readError = lines.readError {
            StandardStreams.printError("herald: error: reading events: \(ErrorText.posix(readError))")
            throw ExitCode(ExitStatus.internalError)
        }
        if let path = self.state, !StatePersistence.save(state, to: path) { throw ExitCode(ExitStatus.findings) }
    }
}

/// `--state FILE` of `herald eval`: the runtime state kept between runs.
enum StatePersistence {
    /// The state in `path` (a fresh one when the file does not exist), or nil
    /// after printing why the file is refused; a refused file is not touched.
    static func load(_ path: String) -> RuntimeState? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return RuntimeState() }
        guard !isDirectory.boolValue else {
            StandardStreams.printError("herald: error: state file '\(path)' is a directory")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            StandardStreams.printError("herald: error: cannot read state file '\(path)'")
            return nil
        }
        switch StateFile.decode(data) {
        case .success(let state): return state
        case .failure(let error):
            StandardStreams.printError("herald: error: \(path): \(error); refusing to use or overwrite it")
            return nil
        }
    }

    /// Writes `state` to `path` atomically (a temporary file in the same
    /// directory, then a rename); false after printing why it failed.
    static func save(_ state: RuntimeState, to path: String) -> Bool {
        do {
            let data = try StateFile.encode(state)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            return true
        } catch {
            StandardStreams.printError("herald: error: cannot write state file '\(path)': \(ErrorText.describe(error))")
            return false
        }
    }
}

/// Loading a rule set for `eval`: a compiled bundle or a rule-set path.
enum RuleSetLoading {
    /// The checked rule set at `path`, or nil after printing why not to stderr.
    static func load(_ path: String) -> RuleSet? {
        if RuleBundle.isBundle(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                StandardStreams.printError("herald: error: cannot read '\(path)'")
                return nil
            }
            switch RuleBundle.decode(data) {
            case .success(let ruleSet): return ruleSet
            case .failure(let error):
                StandardStreams.printError("herald: error: \(path): \(error)")
                return nil
            }
        }
        let result = Compiler.compile(path: RuleSetPaths.normalize(path))
        guard let ruleSet = result.ruleSet, !result.hasErrors else {
            printDiagnostics(result.diagnostics.filter { $0.severity == .error })
            let count = result.diagnostics.filter { $0.severity == .error }.count
            StandardStreams.printError("\(count) error\(count == 1 ? "" : "s") in \(path)")
            return nil
        }
        return ruleSet
    }

    /// `file:line:col: severity: message [code]`, one per line, on stderr.
    static func printDiagnostics(_ diagnostics: [Diagnostic]) {
        for d in diagnostics.sorted(by: Diagnostic.reportingOrder) {
            StandardStreams.printError(
                "\(d.range.file):\(d.range.start.line):\(d.range.start.column): \(d.severity.rawValue): \(d.message) [\(d.code)]")
        }
    }
}

/// Writing collected records to stdout.
enum StandardOutput {
    /// Writes the writer's output to stdout and empties it.
    static func flush(_ writer: inout NDJSONWriter) {
        writer.withBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let n = write(STDOUT_FILENO, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
        writer.removeAll()
    }
}
