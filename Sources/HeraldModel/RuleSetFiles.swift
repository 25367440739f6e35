public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the files of a rule set (docs/rule-language.md §1) and, with another test of the
/// name, the test files beside them.
public enum RuleSetFiles {
    /// The rule files below `directory`, as paths relative to it, in
    /// declaration order (byte order of the relative path): every `*.yaml` /
    /// `*.yml`, recursively, except tests (`*.test.yaml`, `*.test.yml`) and
    /// anything inside a hidden (dot) directory or named with a leading dot.
    public static func list(directory: String) -> [String] {
        files(below: directory, where: isRuleFileName)
    }

    /// The bounds of a walk through a directory: a rule set is a handful of
    /// files, and a walk that finds far more (a home directory given by
    /// mistake, a link to `/`) stops instead of reading them all.
    public struct Limits: Sendable, Hashable {
        /// The most files a walk takes.
        public var maxFiles: Int
        /// The most bytes the files taken may hold together.
        public var maxTotalBytes: Int

        /// Limits with the given values: by default 10,000 files and 128 MiB.
        public init(maxFiles: Int = 10_000, maxTotalBytes: Int = 128 * 1024 * 1024) {
            self.maxFiles = maxFiles
            self.maxTotalBytes = maxTotalBytes
        }
    }

    /// The files a walk found, and why it stopped early (nil when it did not).
    public struct Walk: Sendable, Hashable {
        /// Paths relative to the directory, in byte order.
        public var files: [String]
        /// Why the walk stopped before the end, naming the limit passed.
        public var stoppedBecause: String?
    }

    /// The files below `directory` whose name passes `isIncluded`, as paths
    /// relative to it, in byte order of that path; hidden (dot) files and
    /// directories are skipped. Entries that are neither directories nor
    /// regular files (FIFOs, devices, links to nothing) are listed too, so
    /// that reading them reports them; the walk stops past `limits`.
    public static func walk(below directory: String, limits: Limits = Limits(), where isIncluded: (String) -> Bool) -> Walk {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: directory) else { return Walk(files: [], stoppedBecause: nil) }
        var found: [String] = []
        var bytes = 0
        var stopped: String?
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            guard isIncluded(name) else { continue }
            let full = join(directory, relative)
            var info = stat()
            if stat(full, &info) == 0 {
                if info.st_mode & S_IFMT == S_IFDIR { continue }
                if info.st_mode & S_IFMT == S_IFREG { bytes += Int(info.st_size) }
            } else if lstat(full, &info) != 0 {
                continue  // gone since the directory was read
            }
            // (A link to nothing is listed too: reading it says so, rather
            // than a rule file going missing without a word.)
            found.append(relative)
            if found.count > limits.maxFiles {
                found.removeLast()
                stopped = "'\(directory)' holds more than \(limits.maxFiles) files to read; the limit is \(limits.maxFiles)"
                break
            }
            if bytes > limits.maxTotalBytes {
                found.removeLast()
                stopped = "the files below '\(directory)' hold more than \(limits.maxTotalBytes) bytes; the limit is \(limits.maxTotalBytes)"
                break
            }
        }
        return Walk(files: found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, stoppedBecause: stopped)
    }

    /// `walk(below:where:)`'s files, without saying whether it stopped early.
    public static func files(below directory: String, where isIncluded: (String) -> Bool) -> [String] {
        walk(below: directory, where: isIncluded).files
    }

    /// Why `path` cannot be read as a rule set, a rule file or a test file
    /// because of what it is: nil for a regular file or a directory (or a
    /// link to one) and for a path that does not exist; else a reason such
    /// as `it is a character device, not a regular file or directory`.
    /// FIFOs, sockets and devices are refused before anything opens them, so
    /// a read never blocks or runs forever.
    public static func kindProblem(atPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR: return nil
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a file"
        }
        return "it is \(kind), not a regular file or directory"
    }

    /// What reading one file gave.
    public enum FileContents: Sendable {
        /// The file's bytes.
        case bytes(Data)
        /// The file is larger than the limit: nothing was read but its first
        /// line (for the diagnostic's excerpt).
        case tooLarge(size: Int, firstLine: Data)
        /// Why it could not be read.
        case unreadable(String)
    }

    /// Reads the regular file at `path`, refusing anything else (a FIFO or a
    /// device is refused without being opened) and reading no more than
    /// `maxBytes` of it.
    public static func read(_ path: String, maxBytes: Int) -> FileContents {
        if let problem = kindProblem(atPath: path) { return .unreadable(problem) }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return .unreadable("it is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var exists = stat()
            return .unreadable(stat(path, &exists) == 0 ? "permission denied" : "no such file or directory")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
            guard data.count <= maxBytes else {
                let size = max(Int(info.st_size), data.count)
                let line = data.prefix(4096).split(separator: 0x0A, maxSplits: 1, omittingEmptySubsequences: false).first
                return .tooLarge(size: size, firstLine: Data(line ?? Data()))
            }
            return .bytes(data)
        } catch {
            return .unreadable(ErrorText.describe(error))
        }
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
