public import Foundation

/// Places in this repository that tests read (found from this file's path,
/// so they do not depend on the working directory).
public enum Repository {
    /// The package root: the folder holding `Package.swift`.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The example rule set, `Rules/`.
    public static var rules: URL { root.appendingPathComponent("Rules") }
}
