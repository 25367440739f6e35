public import Foundation
public import HeraldCompiler
public import HeraldRuntime
public import HeraldSyntax

/// A rule set ready to serve, and the hash that identifies its content.
public struct LoadedRules: Sendable {
    /// The runtime over the compiled rules.
    public var runtime: Runtime
    /// Identifies the rule set's content: the same files give the same hash.
    public var hash: String
    /// Warnings found while compiling.
    public var warnings: [Diagnostic]
}

/// Why a rule set could not be loaded: its diagnostics (errors first).
public struct RulesLoadFailure: Error, Sendable {
    /// One line for logs and replies.
    public var message: String
    /// The diagnostics, as lint reports them.
    public var diagnostics: [Diagnostic]
    /// How many files were read.
    public var fileCount: Int
}

/// Loads a rule set for the service: a directory, a YAML file or a
/// compiled bundle (README.md "Command line"), with a content hash for `/healthz`.
public enum RulesLoader {
    /// Reads and compiles the rule set at `path`.
    public static func load(path: String) -> Result<LoadedRules, RulesLoadFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(RulesLoadFailure(message: "no such rule set: '\(path)'", diagnostics: [], fileCount: 0))
        }
        if !isDirectory.boolValue && RuleBundle.isBundle(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(RulesLoadFailure(message: "cannot read '\(path)'", diagnostics: [], fileCount: 1))
            }
            switch RuleBundle.decode(data) {
            case .success(let ruleSet):
                var h = ContentHash()
                h.add(Array(data))
                return .success(LoadedRules(runtime: Runtime(ruleSet: ruleSet), hash: h.hex, warnings: []))
            case .failure(let e):
                return .failure(RulesLoadFailure(message: "\(path): \(e)", diagnostics: [], fileCount: 1))
            }
        }
        let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        // A single file that is not a rule file (a file of events, a test
        // file) is said to be so in one line, as lint says it, instead of an
        // unknown key for each of its keys.
        if !isDirectory.boolValue, let diagnostic = Compiler.notARuleFile(root) {
            return .failure(RulesLoadFailure(message: "the rule set has 1 error", diagnostics: [diagnostic], fileCount: 1))
        }
        let names = isDirectory.boolValue ? RuleSetFiles.list(directory: root) : [(root as NSString).lastPathComponent]
        var files: [(path: String, contents: Data)] = []
        var hash = ContentHash()
        for name in names {
            let full = isDirectory.boolValue ? RuleSetFiles.join(root, name) : root
            guard let data = FileManager.default.contents(atPath: full) else {
                return .failure(RulesLoadFailure(message: "cannot read '\(full)'", diagnostics: [], fileCount: names.count))
            }
            hash.add(Array(name.utf8))
            hash.add([0])
            hash.add(Array(data))
            hash.add([0])
            files.append((full, data))
        }
        // The rules compiled are the bytes hashed (a file saved meanwhile
        // cannot give the hash of other rules).
        let result = Compiler.compile(files: files)
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard let ruleSet = result.ruleSet, errors.isEmpty else {
            let n = errors.count
            return .failure(
                RulesLoadFailure(
                    message: "the rule set has \(n) error\(n == 1 ? "" : "s")", diagnostics: result.diagnostics,
                    fileCount: result.fileCount))
        }
        return .success(
            LoadedRules(
                runtime: Runtime(ruleSet: ruleSet), hash: hash.hex,
                warnings: result.diagnostics.filter { $0.severity == .warning }))
    }
}

/// A 128-bit content hash (two FNV-1a 64 lanes with different seeds): it
/// tells rule-set versions apart; it is not a cryptographic hash.
struct ContentHash {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    var b: UInt64 = 0x6c62_272e_07bb_0142

    mutating func add(_ bytes: [UInt8]) {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b ^ UInt64(byte ^ 0x5A)) &* 0x0000_0100_0000_01B3
        }
    }

    var hex: String {
        func h(_ x: UInt64) -> String {
            let s = String(x, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        return h(a) + h(b)
    }
}
