import Foundation
import HeraldTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `herald serve` as a user starts it: what stops it before it listens.

@Suite("herald serve start-up")
struct ServeCommandTests {
    /// `herald serve --rules rules` started in `dir` with the token `tok`;
    /// the caller stops it.
    static func serve(in dir: TemporaryDirectory, stderr: FileHandle) throws -> Process {
        let process = Process()
        process.executableURL = try Herald.executable()
        process.arguments = ["serve", "--rules", "rules"]
        process.currentDirectoryURL = dir.url
        process.environment = ProcessInfo.processInfo.environment.merging(["HERALD_TOKEN": "tok", "NO_COLOR": "1"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        return process
    }

    @Test("a listen address already in use stops it with exit 1 and one clear line, not an internal error")
    func addressInUse() throws {
        let held = try HeldPort()
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": evalRules,
            "herald.yaml": "listen: 127.0.0.1:\(held.port)\nstore: sqlite:herald.sqlite\n",
        ])
        let run = try Herald.run(["serve", "--rules", "rules"], in: dir, timeout: 60)
        #expect(run.status == 1)
        #expect(run.stderr.contains("herald: error: cannot listen on 127.0.0.1:\(held.port): Address already in use\n"), "\(run.stderr)")
        #expect(!run.stderr.contains("internal error"))
    }

    @Test("rule errors at start-up are printed as herald lint prints them: warnings too, and the files read (SPEC §10.6)")
    func startUpDiagnosticsAsLint() throws {
        let dir = try TemporaryDirectory(files: [
            "rules/a.yaml": evalRules.replacingOccurrences(of: "template: t\n", with: "template: nope\n"),
            "rules/sub/b.yaml": "rules:\n  - id: other\n    on: work_order.created\n    channel: sms\n    template: missing\n",
            "herald.yaml": "listen: 127.0.0.1:0\nstore: sqlite:herald.sqlite\n",
        ])
        let lint = try Herald.run(["lint", "rules"], in: dir)
        let serve = try Herald.run(["serve", "--rules", "rules"], in: dir, timeout: 60)
        #expect(serve.status == 1)
        let summary = try #require(lint.stdout.split(separator: "\n").last { $0.contains(" in ") && $0.contains("error") })
        #expect(summary.hasSuffix("in 2 files"), "\(lint.stdout)")
        #expect(serve.stderr.contains(summary), "\(serve.stderr)")
        #expect(serve.stderr.contains("sub/b.yaml:5:15"), "\(serve.stderr)")
    }

    @Test("serve --rules on a file of events says so in one line; a rule set that does not exist is one error line")
    func rulesThatAreNotRules() throws {
        let dir = try TemporaryDirectory(files: [
            "events.ndjson": evalEvents, "herald.yaml": "listen: 127.0.0.1:0\nstore: sqlite:herald.sqlite\n",
        ])
        let events = try Herald.run(["serve", "--rules", "events.ndjson"], in: dir, timeout: 60)
        #expect(events.status == 1)
        #expect(events.stderr.contains("'events.ndjson' is a file of events (JSON), not a rule file"), "\(events.stderr)")
        #expect(!events.stderr.contains("unknown-key"), "\(events.stderr)")
        try Data("listen: 127.0.0.1:0\nstore: sqlite:herald.sqlite\nrules: Nope\n".utf8).write(to: dir.url.appendingPathComponent("herald.yaml"))
        let missing = try Herald.run(["serve"], in: dir, timeout: 60)
        #expect(missing.status == 1)
        #expect(!missing.stderr.contains("no problems"), "\(missing.stderr)")
        #expect(missing.stderr.contains("no such rule set: 'Nope'"), "\(missing.stderr)")
    }

    @Test("herald deliveries against a service that is not running says so at once, exit 1")
    func deliveriesUnreachable() throws {
        let dir = try TemporaryDirectory(files: [:])
        let start = Date()
        let run = try Herald.run(["deliveries", "--server", "http://127.0.0.1:9"], in: dir, timeout: 60)
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot reach http://127.0.0.1:9: connection refused"), "\(run.stderr)")
        let bad = try Herald.run(["deliveries", "--status", "sentt"], in: dir, timeout: 60)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--status must be one of scheduled, sending, sent, retrying, failed, cancelled, not 'sentt'"), "\(bad.stderr)")
        // A time or a URL that cannot be meant is a usage error too, found
        // before anything is asked of a service.
        let since = try Herald.run(["deliveries", "--since", "yesterday", "--server", "http://127.0.0.1:9"], in: dir, timeout: 60)
        #expect(since.status == 2)
        #expect(since.stderr.contains("--since must be an RFC 3339 time"), "\(since.stderr)")
        for command in [["deliveries"], ["resend", "01abc"]] {
            let server = try Herald.run(command + ["--server", "notaurl"], in: dir, timeout: 60)
            #expect(server.status == 2, "\(command)")
            #expect(server.stderr.contains("--server must be an http:// or https:// URL"), "\(server.stderr)")
        }
        // It waited 30 s (the connection tried again until the timeout).
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test("a reload by SIGHUP that is refused logs each error with file:line:col")
    func refusedReloadLogsWhy() throws {
        let port = try HeldPort().port
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": evalRules,
            "herald.yaml": "listen: 127.0.0.1:\(port)\nstore: sqlite:herald.sqlite\n",
        ])
        let log = dir.url.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = try Self.serve(in: dir, stderr: try FileHandle(forWritingTo: log))
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        func logText() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        for _ in 0..<300 where !logText().contains("serving on") { usleep(100_000) }
        try #require(logText().contains("serving on"), "\(logText())")
        try Data("rules:\n  - id: x\n    on: work_order.created\n    channel: sms\n    template: gone\n".utf8)
            .write(to: dir.url.appendingPathComponent("rules/z.yaml"))
        kill(process.processIdentifier, SIGHUP)
        for _ in 0..<100 where !logText().contains("z.yaml:5:15") { usleep(100_000) }
        #expect(logText().contains("reload refused"), "\(logText())")
        #expect(logText().contains("z.yaml:5:15: error:"), "\(logText())")
    }

    /// Runs `body` with `herald serve` of `evalRules` (SQLite store, token
    /// `tok`) started on a free loopback port, and stops it after.
    static func withService(_ body: (_ port: Int) throws -> Void) throws {
        let port = try HeldPort().port  // free again once the probe socket closes
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": evalRules,
            "herald.yaml": "listen: 127.0.0.1:\(port)\nstore: sqlite:herald.sqlite\n",
        ])
        let process = try serve(in: dir, stderr: FileHandle.nullDevice)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        try body(port)
    }

    /// A socket connected to `port` on loopback once something listens
    /// there (up to 30 s), with 20 s send and receive timeouts.
    static func connect(port: Int) throws -> Int32 {
        var descriptor: Int32 = -1
        for _ in 0..<300 {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if connected { break }
            close(descriptor)
            descriptor = -1
            usleep(100_000)
        }
        try #require(descriptor >= 0, "herald serve did not listen")
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }

    /// Everything the peer sends until it closes the connection (or 20 s of silence).
    static func readToEnd(_ descriptor: Int32) -> String {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { break }
            reply += buffer[0..<n]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    @Test("a request that is not valid HTTP/1.1 is a 400 with the JSON error body, and the connection closes")
    func malformedRequests() throws {
        try Self.withService { port in
            let events = "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
            let cases: [(request: String, says: String)] = [
                ("GARBAGE\r\n\r\n", "invalid method"),
                ("GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", "invalid header"),
                (events + "Content-Type: application/json\r\nContent-Length: ten\r\n\r\n", "invalid Content-Length"),
                ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n", "too large"),
                // The head is fine, the API reads the body and meets a broken chunk.
                (events + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"),
                // A good request, then a broken one on the same connection: the first is answered as usual.
                ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n", "invalid method"),
            ]
            for (request, says) in cases {
                let descriptor = try Self.connect(port: port)
                defer { close(descriptor) }
                Self.sendAll(Array(request.utf8), to: descriptor)
                var text = Self.readToEnd(descriptor)
                if request.hasPrefix("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") {
                    #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
                    guard let next = text.range(of: "HTTP/1.1 400") else {
                        Issue.record("no 400 after the good request: \(text)")
                        continue
                    }
                    // The good request's reply keeps the connection open; only the 400 closes it.
                    #expect(!text[..<next.lowerBound].lowercased().contains("connection: close"), "\(text)")
                    text = String(text[next.lowerBound...])
                }
                #expect(text.hasPrefix("HTTP/1.1 400"), "\(says): \(text.prefix(200))")
                let parts = text.components(separatedBy: "\r\n\r\n")
                try #require(parts.count == 2, "one head and one body: \(text)")
                let head = parts[0].lowercased()
                #expect(head.contains("content-type: application/json"), "\(says): \(head)")
                #expect(head.contains("connection: close"), "\(says): \(head)")
                #expect(head.contains("content-length: \(parts[1].utf8.count)"), "\(says): \(head)")
                let body = try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any]
                #expect(body?["error"] as? String == "bad-request", "\(says): \(parts[1])")
                #expect((body?["message"] as? String)?.contains(says) == true, "\(says): \(parts[1])")
            }
        }
    }

    @Test("a body declared over 16 MiB with Connection: close is read and answered 413, not left stalled")
    func oversizedWithClose() throws {
        try Self.withService { port in
            let descriptor = try Self.connect(port: port)
            defer { close(descriptor) }
            let length = 16 * 1024 * 1024 + 1
            let head = Array(
                ("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                    + "Content-Type: application/x-ndjson\r\nContent-Length: \(length)\r\nConnection: close\r\n\r\n").utf8)
            Self.sendAll(head + [UInt8](repeating: UInt8(ascii: "\n"), count: length), to: descriptor)
            let text = Self.readToEnd(descriptor)
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
            #expect(text.contains("\"error\":\"too-large\""))
        }
    }

    @Test("a chunked body over 16 MiB with Connection: close is read to its end and answered 413, not reset")
    func oversizedChunked() throws {
        try Self.withService { port in
            let descriptor = try Self.connect(port: port)
            defer { close(descriptor) }
            // 20 chunks of 1 MiB of blank lines: 20 MiB, no length declared.
            var message = Array(
                ("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                    + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").utf8)
            let chunk = Array("100000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "\n"), count: 1 << 20) + Array("\r\n".utf8)
            for _ in 0..<20 { message += chunk }
            message += Array("0\r\n\r\n".utf8)
            Self.sendAll(message, to: descriptor)
            let text = Self.readToEnd(descriptor)
            #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
            #expect(text.contains("\"error\":\"too-large\""))
        }
    }

    /// Sends all of `message`, and expects it all to go (the service reads it).
    static func sendAll(_ message: [UInt8], to descriptor: Int32) {
        var sent = 0
        while sent < message.count {
            let n = message.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { break }
            sent += n
        }
        #expect(sent == message.count, "the upload stalled after \(sent) of \(message.count) bytes")
    }
}
