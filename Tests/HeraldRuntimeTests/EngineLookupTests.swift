import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// Locations, regions and statuses are looked up by their UTF-8 bytes first
/// (`StringIndex`); the answer must be the one of a `String`-keyed look-up.
@Suite("Name look-ups while evaluating")
struct EngineLookupTests {
    static let runtime = S.runtime(
        rules: """
              - id: ready
                on: work_order.status_changed
                to: [ready]
                channel: sms
                template: t
            """)

    @Test(
        "an event's location is found exactly when it equals a declared one",
        arguments: [
            ("centro", true), ("norte", true), ("fechado", true), ("centr", false), ("Centro", false),
            ("centro ", false), ("centro\u{301}", false), ("", false), ("lisboa-x", false), ("ç", false),
        ])
    func location(name: String, known: Bool) {
        let records = S.run(Self.runtime, [S.event("e1", location: name)])
        #expect(records.contains { $0.reason == "unknown-location" } == !known)
    }

    @Test(
        "an event's status selects the rule exactly when it equals the listed one",
        arguments: [("ready", true), ("read", false), ("readyy", false), ("re\u{301}ady", false), ("READY", false)])
    func status(name: String, matches: Bool) {
        let records = S.run(Self.runtime, [S.event("e1", workOrder: ["status": name])])
        #expect(records.contains { $0.rule == "ready" && $0.decision != .none } == matches)
    }
}
