import Foundation

/// Finds the files of a rule set (SPEC §1).
enum RuleSetFiles {
    /// The rule files below `directory`, as paths relative to it, in
    /// declaration order (byte order of the relative path): every `*.yaml` /
    /// `*.yml`, recursively, except tests (`*.test.yaml`, `*.test.yml`) and
    /// anything inside a hidden (dot) directory or named with a leading dot.
    static func list(directory: String) -> [String] {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            guard isRuleFileName(name) else { continue }
            var isDirectory: ObjCBool = false
            let full = join(directory, relative)
            guard manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            found.append(relative)
        }
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether a file name is a rule file: `*.yaml` or `*.yml`, not a test.
    static func isRuleFileName(_ name: String) -> Bool {
        (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !name.hasSuffix(".test.yaml") && !name.hasSuffix(".test.yml")
    }

    /// The reported path: the root as given joined with the relative path
    /// (`rules` + `a.yaml` → `rules/a.yaml`, `rules/` + `a.yaml` → `rules/a.yaml`).
    static func join(_ root: String, _ relative: String) -> String {
        if root.isEmpty { return relative }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }
}
