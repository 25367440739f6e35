import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

/// The eval conformance cases (copied into Fixtures/): rules, events and the
/// expected records, compared the way the conformance runner compares them
/// (listed fields only, `send_at` as an instant, `none` records ignored).
@Suite("Eval conformance fixtures")
struct EngineConformanceTests {
    static let root: URL? = Bundle.module.url(forResource: "Fixtures", withExtension: nil)

    static var cases: [String] {
        guard let root else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { $0.hasPrefix("eval-") }.sorted()
    }

    @Test("the fixture cases exist")
    func casesExist() {
        #expect(Self.cases.count >= 3)
    }

    @Test("each case's records match its expected.ndjson", arguments: cases)
    func conformance(name: String) throws {
        let root = try #require(Self.root).appendingPathComponent(name)
        let result = Compiler.compile(path: root.appendingPathComponent("rules").path)
        #expect(!result.hasErrors, "\(result.diagnostics)")
        let ruleSet = try #require(result.ruleSet)
        let runtime = Runtime(ruleSet: ruleSet)
        let events = try String(contentsOf: root.appendingPathComponent("events.ndjson"), encoding: .utf8)
        var state = RuntimeState()
        var got: [[String: Any]] = []
        for (i, line) in events.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for record in runtime.process(line: String(line), lineNumber: i + 1, state: &state) where record.decision != .none {
                let object = try JSONSerialization.jsonObject(with: Data(record.jsonLine.utf8)) as? [String: Any]
                got.append(try #require(object))
            }
        }
        let expected = try String(contentsOf: root.appendingPathComponent("expected.ndjson"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.allSatisfy(\.isWhitespace) }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(got.count == expected.count, "records: got \(got.count), want \(expected.count)")
        for (i, (want, have)) in zip(expected, got).enumerated() {
            for (key, value) in want {
                let same: Bool
                if key == "send_at", let a = value as? String, let b = have[key] as? String {
                    same = RFC3339.parse(Substring(a)) == RFC3339.parse(Substring(b))
                } else {
                    same = (value as? NSObject)?.isEqual(have[key]) ?? (have[key] == nil || have[key] is NSNull)
                }
                #expect(same, "\(name) record \(i + 1) \(key): want \(value), got \(have[key] ?? "<absent>")")
            }
        }
    }
}
