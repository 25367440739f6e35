import Foundation

/// Finds the files of a rule set (SPEC §1) and, with another test of the
/// name, the test files beside them.
public enum RuleSetFiles {
    /// The rule files below `directory`, as paths relative to it, in
    /// declaration order (byte order of the relative path): every `*.yaml` /
    /// `*.yml`, recursively, except tests (`*.test.yaml`, `*.test.yml`) and
    /// anything inside a hidden (dot) directory or named with a leading dot.
    public static func list(directory: String) -> [String] {
        files(below: directory, where: isRuleFileName)
    }

    /// The regular files below `directory` whose name passes `isIncluded`,
    /// as paths relative to it, in byte order of that path; hidden (dot)
    /// files and directories are skipped.
    public static func files(below directory: String, where isIncluded: (String) -> Bool) -> [String] {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            guard isIncluded(name) else { continue }
            var isDirectory: ObjCBool = false
            let full = join(directory, relative)
            guard manager.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            found.append(relative)
        }
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether a file name is a rule file: `*.yaml` or `*.yml`, not a test.
    public static func isRuleFileName(_ name: String) -> Bool {
        (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !name.hasSuffix(".test.yaml") && !name.hasSuffix(".test.yml")
    }

    /// The reported path: the root as given joined with the relative path
    /// (`rules` + `a.yaml` → `rules/a.yaml`, `rules/` + `a.yaml` → `rules/a.yaml`).
    public static func join(_ root: String, _ relative: String) -> String {
        if root.isEmpty { return relative }
        return root.hasSuffix("/") ? root + relative : root + "/" + relative
    }
}
