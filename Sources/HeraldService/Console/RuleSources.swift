import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax

/// Where each rule of the rule set in force is written, and the text of
/// its `where` and `cancel_if`: the model keeps no source positions, so
/// the console reads the rule files' YAML again with the front end
/// (HeraldSyntax) and maps rule id → file:line. A compiled bundle has no
/// sources: then the map is empty.
struct RuleSources: Sendable {
    /// One rule's place and expressions.
    struct Entry: Sendable {
        /// `path/below/the/root.yaml:LINE`.
        var location: String
        /// The `where` text.
        var condition: String?
        /// The `cancel_if` text.
        var cancelIf: String?
    }

    var entries: [String: Entry] = [:]

    /// Reads the rule files at `path` (a directory or one YAML file).
    init(path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let names = isDirectory.boolValue ? RuleSetFiles.list(directory: root) : [root]
        for name in names {
            let full = isDirectory.boolValue ? RuleSetFiles.join(root, name) : root
            guard let data = FileManager.default.contents(atPath: full), !RuleBundle.isBundle(atPath: full) else { continue }
            let shown = isDirectory.boolValue ? name : (root as NSString).lastPathComponent
            let parsed = YAMLParser.parse(data, path: shown)
            for document in parsed.documents {
                guard let rules = document.root["rules"]?.items else { continue }
                for rule in rules {
                    guard let id = rule["id"]?.text, entries[id] == nil else { continue }
                    entries[id] = Entry(
                        location: "\(shown):\(rule.range.start.line)", condition: rule["where"]?.text,
                        cancelIf: rule["cancel_if"]?.text)
                }
            }
        }
    }
}
