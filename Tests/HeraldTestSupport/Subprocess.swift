public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The tests' one way to run a program to completion and collect what it did.
///
/// Standard output and error go to files, not pipes, so a program that
/// writes a lot cannot block on a full pipe while the test waits for it.
public enum Subprocess {
    /// What one run of a program did.
    public struct Run: Sendable {
        /// The exit status (or the signal number when it was killed).
        public var status: Int32
        /// Everything written to standard output, decoded as UTF-8.
        public var stdout: String
        /// Everything written to standard error, decoded as UTF-8.
        public var stderr: String
        /// Whether the run was killed because it outlasted its timeout.
        public var timedOut: Bool
    }

    /// Runs `executable` with `arguments` and waits for it to end.
    ///
    /// - Parameters:
    ///   - directory: the working directory (the test's own when nil).
    ///   - environment: variables set on top of the test process's environment.
    ///   - input: standard input (empty, `/dev/null`, when nil).
    ///   - timeout: seconds after which the program is terminated and the
    ///     run marked `timedOut`; no limit when nil.
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        input: Data? = nil, timeout: Double? = nil
    ) throws -> Run {
        let scratch = try TemporaryDirectory("run")
        defer { scratch.remove() }
        let out = scratch.url.appendingPathComponent("stdout"), err = scratch.url.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        var inHandle: FileHandle?
        if let input {
            let file = scratch.url.appendingPathComponent("stdin")
            try input.write(to: file)
            inHandle = try FileHandle(forReadingFrom: file)
            process.standardInput = inHandle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        var timedOut = false
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning {
                timedOut = true
                process.terminate()
            }
        }
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        try inHandle?.close()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self),
            timedOut: timedOut)
    }

    /// Runs the program named `name`, found on `PATH` through `/usr/bin/env`.
    public static func run(
        command name: String, _ arguments: [String], in directory: URL? = nil, input: Data? = nil
    ) throws -> Run {
        try run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, in: directory, input: input)
    }
}

/// The built `herald` executable, run as a user runs it.
public enum Herald {
    /// No `herald` executable was found.
    public struct NotFound: Error, CustomStringConvertible {
        /// The folders searched.
        public var looked: [String]
        /// Where the search went.
        public var description: String { "no herald executable next to the tests; looked in \(looked)" }
    }

    /// Runs `herald arguments` in `directory` without a terminal or colour
    /// (`NO_COLOR=1`), with `input` on standard input (`/dev/null` when nil),
    /// terminated after `timeout` seconds when given.
    public static func run(
        _ arguments: [String], in directory: URL, input: Data? = nil, timeout: Double? = nil
    ) throws -> Subprocess.Run {
        try Subprocess.run(
            executable(), arguments, in: directory, environment: ["NO_COLOR": "1"], input: input, timeout: timeout)
    }

    /// Runs `herald arguments` in `directory`; see `run(_:in:input:timeout:)`.
    public static func run(
        _ arguments: [String], in directory: TemporaryDirectory, input: Data? = nil, timeout: Double? = nil
    ) throws -> Subprocess.Run {
        try run(arguments, in: directory.url, input: input, timeout: timeout)
    }

    /// `$HERALD_BIN`, else `herald` in the build products directory that
    /// holds the test bundle (or a parent of it, for bundle layouts).
    public static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["HERALD_BIN"] { return URL(fileURLWithPath: path) }
        var starts = Bundle.allBundles.map(\.bundleURL)
        if let first = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: first)) }
        var looked: [String] = []
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("herald")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                    !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                looked.append(directory.path)
                directory = directory.deletingLastPathComponent()
            }
        }
        throw NotFound(looked: looked)
    }
}
