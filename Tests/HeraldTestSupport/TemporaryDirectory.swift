public import Foundation

/// A fresh directory under the system's temporary directory, optionally
/// holding files, removed when the value goes away (or by `remove()`).
///
/// Swift may end a class value's lifetime after its last use, so a test that
/// hands only `path` to code running later keeps the value alive with
/// `defer { directory.remove() }`.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// The directory's path.
    public var path: String { url.path }

    /// Creates `herald-LABEL-UUID` in the temporary directory and writes `files`
    /// (relative path → contents) into it, making folders as needed.
    public init(_ label: String = "test", files: [String: String] = [:]) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("herald-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (path, contents) in files { try write(path, contents) }
    }

    /// Writes (or replaces) one file, making its folders.
    public func write(_ relative: String, _ contents: String) throws {
        try write(relative, Data(contents.utf8))
    }

    /// Writes (or replaces) one file with bytes, making its folders.
    public func write(_ relative: String, _ data: Data) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// The absolute path of `relative`.
    public func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    /// Removes the directory and everything in it now.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    deinit { remove() }
}
