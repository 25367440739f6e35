import ArgumentParser
import Foundation
import HeraldCompiler

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process with `status` (stdout and stderr are unbuffered
/// `FileHandle` writes, so nothing is lost).
func terminate(_ status: Int32) -> Never {
    exit(status)
}

/// Writing to stdout and stderr without mixing them up.
enum StandardStreams {
    /// Writes `text` to stdout as it is (no line break added).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes one line to stderr.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Whether stdout is a terminal that wants colour: a TTY, `NO_COLOR`
    /// unset or empty (https://no-color.org), and `TERM` not `dumb`.
    static var stdoutWantsColor: Bool {
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(STDOUT_FILENO) != 0
    }
}

/// Checks of paths given on the command line.
enum CommandLinePath {
    /// Throws a usage error (exit 2) for a path that exists but is neither a
    /// regular file nor a directory: a FIFO, a device, `/dev/stdin`. Reading
    /// one could block or never end.
    static func requireFileOrDirectory(_ path: String) throws {
        if let problem = RuleSetFiles.kindProblem(atPath: path) {
            throw ValidationError("cannot use '\(path)': \(problem)")
        }
    }
}

extension CommandLinePath {
    /// Where to write an output file (`compile -o`, `test --junit`): the
    /// path, or the file a symbolic link there points to (the file is
    /// replaced, the link kept). A usage error (exit 2) when something that
    /// is not a regular file is there: a directory, a FIFO, a device, a
    /// socket. Writing atomically would replace it with a regular file,
    /// even `/dev/full` when run as root.
    static func outputFile(_ path: String) throws -> String {
        // Links are followed here, one at a time, and not by resolving the
        // whole path as text: a link's file may not exist yet, and `..`
        // after a linked folder is the kernel's to resolve.
        var target = path
        var info = stat()
        var hops = 0
        while lstat(target, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
            hops += 1
            guard hops <= 32, let next = linkTarget(target) else {
                throw ValidationError("cannot write '\(path)': too many levels of symbolic links")
            }
            let folder = (target as NSString).deletingLastPathComponent
            target = next.hasPrefix("/") || folder.isEmpty ? next : folder + "/" + next
        }
        guard lstat(target, &info) == 0 else {
            // Checked before any work: `test --junit` ran every test first.
            let folder = (target as NSString).deletingLastPathComponent
            var folderInfo = stat()
            guard folder.isEmpty || (stat(folder, &folderInfo) == 0 && folderInfo.st_mode & S_IFMT == S_IFDIR) else {
                throw ValidationError("cannot write '\(path)': no such directory '\(folder)'")
            }
            return target
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return target
        case S_IFDIR: throw ValidationError("cannot write '\(path)': it is a directory")
        default:
            let problem = RuleSetFiles.kindProblem(atPath: target)?.replacingOccurrences(of: " or directory", with: "")
            throw ValidationError("cannot write '\(path)': \(problem ?? "it is not a regular file")")
        }
    }

    /// What the symbolic link at `path` points to, as written in it.
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Rule-set paths given on the command line (`herald lint PATH…`).
struct RuleSetPaths: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Rule sets to check: directories (every *.yaml/*.yml below, except *.test.yaml) or single files.",
            valueName: "path"))
    var paths: [String] = ["Rules"]

    /// The paths with trailing slashes removed and repeats dropped, in the
    /// order given.
    var normalized: [String] {
        var seen = Set<String>()
        return paths.map(Self.normalize).filter { seen.insert($0).inserted }
    }

    /// Checks the paths once parsing is done, so ArgumentParser reports an
    /// unknown option before a missing path.
    func checkArguments() throws {
        for path in paths {
            if path.isEmpty { throw ValidationError("empty rule-set path") }
            if !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no such file or directory: '\(path)'")
            }
            try CommandLinePath.requireFileOrDirectory(path)
        }
    }

    /// `Rules/` → `Rules`, `a//b` → `a/b`; `/` stays `/`.
    static func normalize(_ path: String) -> String {
        var result = ""
        var previousSlash = false
        for character in path {
            if character == "/" && previousSlash { continue }
            previousSlash = character == "/"
            result.append(character)
        }
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
