// herald-bench: single-threaded throughput and memory of the compiler and
// runtime (SPEC §13). Generates rule sets of 10, 1,000 and 10,000 rules and
// an event stream in memory for two workloads, then reports compile time,
// bundle size and load time, pre-parsed events/s, NDJSON end-to-end
// events/s and peak resident memory:
//
// * `groups`: rules in groups of three per (location, `to` status); each
//   event matches one group (about 3.8 records per event).
// * `moving`: about 20 rules per location, 15 % of them reminders, work
//   orders that go through their life (created, status changes, scheduled,
//   closed) and move to another location half-way (about 5 records per event).
//
// Usage: herald-bench [--workload groups|moving|both] [--load-only | --ndjson-only] [--passes N] [RULES…]
// (default both, 10 1000 10000); run one size per process for a per-size
// peak RSS. --load-only stops after the bundle's load time.
// herald-bench --write DIR [--workload groups|moving] RULES… writes
// rules-N.yaml and events-N.ndjson (200,000 events) for the CLI figures.
// herald-bench --lint PATH compiles and reports like `herald lint PATH`.

import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax

let locationCount = 200
let statusCount = 20
let templateCount = 10
let distinctEvents = 20_000

/// The shapes of generated rule sets and event streams.
enum Workload: String, CaseIterable {
    case groups
    case moving

    func yaml(rules count: Int) -> String {
        switch self {
        case .groups: return ruleSetYAML(rules: count)
        case .moving: return MovingWorkload.yaml(rules: count)
        }
    }

    func events(rules count: Int) -> [UInt8] {
        switch self {
        case .groups: return eventStream(rules: count)
        case .moving: return MovingWorkload.events(rules: count, total: distinctEvents)
        }
    }
}

/// A rule set of `count` rules: rule i belongs to group i/3, and each group
/// has its own (location, status) pair, so an event matches its group's rules.
func ruleSetYAML(rules count: Int) -> String {
    var y = "herald: 1\nstatuses:\n  work_order: ["
    y += (0..<statusCount).map { "s\($0)" }.joined(separator: ", ") + "]\n"
    y += """
        fields:
          work_order:
            priority: {type: enum, values: [low, normal, urgent]}
          client:
            vip: bool
        calendars:
          shop:
            timezone: America/Sao_Paulo
            hours:
              mon-fri: "08:00-18:00"
              sat: "09:00-13:00"
            closed: [2026-04-21]
        locations:

        """
    for l in 0..<locationCount {
        y += "  loc\(l): {name: \"Loja \(l)\", calendar: shop, reply_to: loc\(l)@acme.example, vars: {portal: \"https://acme.example/loc\(l)\"}}\n"
    }
    y += "templates:\n"
    for t in 0..<templateCount {
        y += """
              t\(t):
                sms: "Olá {{client.first_name | default: client.name}}, a OS {{work_order.number}} está {{work_order.status}} (\(t))."
                email:
                  subject: "OS {{work_order.number}}: {{work_order.status}}"
                  body: "Olá {{client.name}}, sua OS {{work_order.number}} mudou. Acompanhe em {{location.vars.portal}} (\(t))."

            """
    }
    y += "rules:\n"
    for i in 0..<count {
        let group = i / 3
        let location = group % locationCount
        let status = (group / locationCount) % statusCount
        let channel = ["email", "sms", "[sms, email]"][i % 3]
        y += "  - id: r\(i)\n    on: work_order.status_changed\n    to: s\(status)\n    locations: [loc\(location)]\n"
        y += "    channel: \(channel)\n    template: t\(i % templateCount)\n"
        if i % 7 == 0 { y += "    where: client.vip or work_order.priority == \"urgent\"\n" }
        if i % 11 == 0 { y += "    delay: 1h\n" }
        if i % 13 == 0 { y += "    work_hours: defer\n" }
    }
    return y
}

/// NDJSON lines (with newlines) of `distinctEvents` events for a rule set of `rules` rules.
func eventStream(rules: Int) -> [UInt8] {
    let groups = max(1, rules / 3)
    var out: [UInt8] = []
    out.reserveCapacity(distinctEvents * 520)
    var seed: UInt64 = 0x1234_5678
    for k in 0..<distinctEvents {
        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let group = Int((seed >> 33) % UInt64(groups))
        let location = group % locationCount
        let status = (group / locationCount) % statusCount
        let minute = k % 60, second = (k / 60) % 60
        let client = k % 1000
        let line = """
            {"id": "ev-\(k)", "type": "work_order.status_changed", "occurred_at": "2026-04-07T10:\(minute < 10 ? "0" : "")\(minute):\(second < 10 ? "0" : "")\(second)-03:00", \
            "location": "loc\(location)", "work_order": {"id": "WO-\(k % 5000)", "number": "\(100000 + k)", "status": "s\(status)", \
            "previous_status": "s\((status + 1) % statusCount)", "priority": "\(k % 2 == 0 ? "urgent" : "normal")", "device": "iPhone 13"}, \
            "client": {"id": "C-\(client)", "name": "Cliente Número \(client)", "first_name": "Cliente", "email": "c\(client)@example.com", \
            "phone": "+55119\(String(10_000_000 + client))", "accepts_email": true, "accepts_sms": true, "vip": \(k % 3 == 0), "language": "pt-BR"}}

            """
        out.append(contentsOf: line.utf8)
    }
    return out
}

/// Byte ranges of the lines in `stream`.
func lineRanges(_ stream: [UInt8]) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    var start = 0
    for (i, b) in stream.enumerated() where b == 0x0A {
        ranges.append(start..<i)
        start = i + 1
    }
    return ranges
}

func seconds(_ d: Swift.Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Peak (`VmHWM`) or current (`VmRSS`) resident memory in MB.
func memoryMB(_ field: String) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
        return kb / 1024
    }
    return .nan
}

/// Runs `body` (one pass over the events) until a second has passed and at
/// least three passes are done, or exactly `--passes N` times (for
/// instruction counts that do not depend on the clock); returns the best
/// events per second.
func measure(events: Int, passes fixedPasses: Int?, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    var best = 0.0
    var total = Swift.Duration.zero
    var passes = 0
    while fixedPasses.map({ passes < $0 }) ?? (passes < 3 || total < .seconds(1)) {
        let elapsed = clock.measure(body)
        total += elapsed
        passes += 1
        best = max(best, Double(events) / seconds(elapsed))
    }
    return best
}

var arguments = Array(CommandLine.arguments.dropFirst())
// --passes N: exactly N passes per measurement (callgrind runs).
var fixedPasses: Int?
if let p = arguments.firstIndex(of: "--passes"), p + 1 < arguments.count, let n = Int(arguments[p + 1]), n > 0 {
    fixedPasses = n
    arguments.removeSubrange(p...(p + 1))
}
var workloads = Workload.allCases
// --load-only: compile, bundle size and load time, no event throughput.
let loadOnly = arguments.contains("--load-only")
arguments.removeAll { $0 == "--load-only" }
// --ndjson-only: the NDJSON pass only (for profiling it).
let ndjsonOnly = arguments.contains("--ndjson-only")
arguments.removeAll { $0 == "--ndjson-only" }
if let w = arguments.firstIndex(of: "--workload"), w + 1 < arguments.count {
    let name = arguments[w + 1]
    arguments.removeSubrange(w...(w + 1))
    if name != "both" {
        guard let workload = Workload(rawValue: name) else {
            print("unknown workload '\(name)' (groups, moving, both)")
            exit(2)
        }
        workloads = [workload]
    }
}
if arguments.first == "--lint", arguments.count == 2 {
    // What `herald lint PATH` does, without the CLI's other modules: for
    // measuring the compiler's memory (heaptrack, peak RSS) in a quick build.
    let result = Compiler.compile(path: arguments[1])
    let report = DiagnosticReport(results: [result])
    let text = DiagnosticFormatter(format: .text, options: .init(colored: false)).string(for: report)
    print(text.utf8.count > 2_000 ? report.summary : text, terminator: "")
    exit(report.errorCount > 0 ? 1 : 0)
}
if arguments.first == "--write", arguments.count >= 2 {
    // Writes rules-N.yaml and events-N.ndjson for the CLI measurements
    // (the first workload given, `groups` by default).
    let workload = workloads.count == 1 ? workloads[0] : .groups
    let directory = URL(fileURLWithPath: arguments[1])
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for count in arguments.dropFirst(2).compactMap({ Int($0) }) {
        try Data(workload.yaml(rules: count).utf8).write(to: directory.appendingPathComponent("rules-\(count).yaml"))
        var stream: [UInt8] = []
        switch workload {
        case .groups:
            for _ in 0..<10 { stream += workload.events(rules: count) }
            // Ten copies of the stream: ids repeat, so copies 2–10 are duplicates unless renamed.
            var text = String(decoding: stream, as: UTF8.self)
            var n = 0
            text = text.split(separator: "\n").map { line -> String in
                n += 1
                return line.replacingOccurrences(of: "\"id\": \"ev-", with: "\"id\": \"ev-\(n / distinctEvents)-")
            }.joined(separator: "\n") + "\n"
            stream = Array(text.utf8)
        case .moving:
            stream = MovingWorkload.events(rules: count, total: 10 * distinctEvents)
        }
        try Data(stream).write(to: directory.appendingPathComponent("events-\(count).ndjson"))
    }
    exit(0)
}
let sizes = arguments.compactMap { Int($0) }
let clock = ContinuousClock()
for workload in workloads {
    print("\nworkload `\(workload.rawValue)`\n")
    print(
        "| rules | compile (YAML → checked) | rule graph | bundle | bundle load | pre-parsed events/s | NDJSON events/s | records/event | NDJSON records/s | RSS after load | peak RSS |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in sizes.isEmpty ? [10, 1_000, 10_000] : sizes {
        let yaml = Data(workload.yaml(rules: count).utf8)
        var compiled: CompilationResult?
        let compileTime = clock.measure { compiled = Compiler.compile(files: [(path: "bench.yaml", contents: yaml)]) }
        guard let ruleSet = compiled?.ruleSet else {
            let errors = compiled?.diagnostics.filter { $0.severity == .error }.prefix(5).map(\.message) ?? []
            print("rule set of \(count) rules does not compile: \(errors)")
            exit(1)
        }
        compiled = nil
        var runtime: Runtime?
        let graphTime = clock.measure { runtime = Runtime(ruleSet: ruleSet) }
        guard let runtime else { exit(1) }
        let rssAfterLoad = memoryMB("VmRSS")

        // Loading a compiled bundle: from its bytes to a runtime ready to
        // evaluate (what `herald eval` and the service do with one).
        let bundle = try RuleBundle.encode(ruleSet)
        // Timed from the bytes to the runtime; freeing the runtime is not.
        var loadTime = Double.infinity
        var loadTotal = 0.0
        var loads = 0
        while loads < 5 || loadTotal < 0.5 {
            var loaded: Runtime?
            let elapsed = seconds(
                clock.measure {
                    guard case .success(let ruleSet) = RuleBundle.decode(bundle) else { fatalError("bundle does not load") }
                    loaded = Runtime(ruleSet: ruleSet)
                })
            precondition(loaded != nil)
            loaded = nil
            loadTime = min(loadTime, elapsed)
            loadTotal += elapsed
            loads += 1
        }

        if loadOnly {
            print(
                "| \(count) | \(String(format: "%.3f s", seconds(compileTime))) | \(String(format: "%.3f s", seconds(graphTime))) | \(String(format: "%.2f MB", Double(bundle.count) / 1e6)) | \(String(format: "%.1f ms", loadTime * 1000)) | | | | | \(String(format: "%.1f MB", rssAfterLoad)) | \(String(format: "%.1f MB", memoryMB("VmHWM"))) |"
            )
            continue
        }
        let stream = workload.events(rules: count)
        let ranges = lineRanges(stream)
        var records: [DecisionRecord] = []
        var output = NDJSONWriter(capacity: 1 << 21)
        var recordCount = 0

        // Decode, match, render, encode: NDJSON bytes in, NDJSON bytes out
        // (the path `herald eval` takes).
        let ndjson = stream.withUnsafeBytes { bytes in
            measure(events: ranges.count, passes: fixedPasses) {
                var state = RuntimeState()
                for (n, range) in ranges.enumerated() {
                    output.process(
                        line: UnsafeRawBufferPointer(rebasing: bytes[range]), lineNumber: n + 1, runtime: runtime, state: &state)
                    if output.count > 1 << 20 { output.removeAll() }
                }
            }
        }
        // Records per event, counted once outside the timed loop.
        if !ndjsonOnly {
            var state = RuntimeState()
            stream.withUnsafeBytes { bytes in
                for (n, range) in ranges.enumerated() {
                    records.removeAll(keepingCapacity: true)
                    runtime.process(
                        line: UnsafeRawBufferPointer(rebasing: bytes[range]), lineNumber: n + 1, state: &state, into: &records)
                    recordCount += records.count
                }
            }
        }

        if ndjsonOnly {
            print("| \(count) | NDJSON events/s: \(String(format: "%.0f", ndjson)) |")
            continue
        }
        var parsed: [ParsedEvent] = []
        parsed.reserveCapacity(ranges.count)
        stream.withUnsafeBytes { bytes in
            for (n, range) in ranges.enumerated() {
                if case .event(let e) = runtime.parse(line: UnsafeRawBufferPointer(rebasing: bytes[range]), lineNumber: n + 1) {
                    parsed.append(e)
                }
            }
        }
        let preParsed = measure(events: parsed.count, passes: fixedPasses) {
            var state = RuntimeState()
            for event in parsed {
                records.removeAll(keepingCapacity: true)
                runtime.process(event: event, state: &state, into: &records)
            }
        }
        let row = [
            "\(count)", String(format: "%.3f s", seconds(compileTime)), String(format: "%.3f s", seconds(graphTime)),
            String(format: "%.2f MB", Double(bundle.count) / 1e6), String(format: "%.1f ms", loadTime * 1000),
            String(format: "%.0f", preParsed), String(format: "%.0f", ndjson),
            String(format: "%.2f", Double(recordCount) / Double(ranges.count)),
            String(format: "%.0f", ndjson * Double(recordCount) / Double(ranges.count)),
            String(format: "%.1f MB", rssAfterLoad), String(format: "%.1f MB", memoryMB("VmHWM")),
        ]
        print("| " + row.joined(separator: " | ") + " |")
    }
}
