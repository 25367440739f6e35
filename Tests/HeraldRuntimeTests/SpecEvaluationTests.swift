import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// SPEC §8.2–§8.5: filters and their `--explain` reasons, the once-per-rule
/// checks, deliverability, fallback and keys.
@Suite("SPEC §8.2-§8.5 evaluation")
struct SpecEvaluationTests {
    @Test(
        "--explain names the FIRST failing filter in the order active, trigger, locations, regions, to, from, where",
        arguments: [
            (["active: false", "on: work_order.created", "locations: [norte]"], "inactive"),
            (["on: work_order.created", "locations: [norte]", "regions: [north]"], "trigger"),
            (["on: work_order.status_changed", "locations: [norte]", "regions: [north]", "to: delivered"], "locations"),
            (["on: work_order.status_changed", "regions: [north]", "to: delivered", "from: open"], "regions"),
            (["on: work_order.status_changed", "to: delivered", "from: open", "where: client.vip"], "to"),
            (["on: work_order.status_changed", "from: open", "where: client.vip"], "from"),
            (["on: work_order.status_changed", "where: client.vip"], "where"),
        ])
    func filterOrder(filters: [String], reason: String) {
        let rule = "  - id: r\n" + (filters + ["channel: sms", "template: t"]).map { "    \($0)\n" }.joined()
        let records = S.run(S.runtime(rules: rule), [S.event("e1")], explain: true)
        #expect(records.map { [$0.event, $0.decision.rawValue, $0.rule, $0.reason] } == [["e1", "none", "r", reason]])
        #expect(records.first?.message?.isEmpty == false)
    }

    @Test("a status change to the same status is reason no-change, after active and trigger, before the other filters")
    func sameStatus() {
        let runtime = S.runtime(
            rules: """
                  - id: a
                    on: work_order.status_changed
                    active: false
                    channel: sms
                    template: t
                  - id: b
                    on: work_order.status_changed
                    locations: [norte]
                    channel: sms
                    template: t
                  - id: c
                    on: work_order.created
                    channel: sms
                    template: t

                """)
        let records = S.run(runtime, [S.event("e1", workOrder: ["status": "ready", "previous_status": "ready"])], explain: true)
        #expect(Z.lines(records, explained: true) == ["e1 none a inactive", "e1 none b no-change", "e1 none c trigger"])
    }

    @Test("a status change with no previous status is a change")
    func noPreviousStatus() {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: sms", "template: t"))
        let records = S.run(runtime, [S.event("e1", workOrder: ["previous_status": S.Remove()])])
        #expect(Z.lines(records) == ["e1 send r sms 2026-04-07T10:00:00-03:00 r/e1/sms"])
    }

    @Test(
        "a status not in the list matches no to/from filter (explain: to, from), even with the other filter absent",
        arguments: [
            ("to: ready", ["status": "mystery"], "to"),
            ("from: in_repair", ["previous_status": "mystery"], "from"),
            ("from: in_repair", ["previous_status": "Ready"], "from"),
            ("to: ready", ["status": "READY"], "to"),
        ] as [(String, [String: String], String)])
    func unlistedStatus(filter: String, workOrder: [String: String], reason: String) {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", filter, "channel: sms", "template: t"))
        let records = S.run(runtime, [S.event("e1", workOrder: workOrder)], explain: true)
        #expect(Z.lines(records, explained: true) == ["e1 none r \(reason)"])
    }

    @Test("a from filter fails when previous_status is absent")
    func fromWithoutPrevious() {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "from: in_repair", "channel: sms", "template: t"))
        let records = S.run(runtime, [S.event("e1", workOrder: ["previous_status": S.Remove()])], explain: true)
        #expect(Z.lines(records, explained: true) == ["e1 none r from"])
    }

    @Test("lead status filters use the lead list")
    func leadStatus() {
        let runtime = S.runtime(
            rules: """
                  - id: won
                    on: lead.status_changed
                    to: won
                    from: new
                    channel: email
                    template: lead

                """)
        func lead(_ id: String, _ status: String, _ previous: String) -> String {
            S.event(id, "lead.status_changed", extra: ["lead": ["id": "L", "name": "Ana", "status": status, "previous_status": previous]])
        }
        let records = S.run(runtime, [lead("l1", "won", "new"), lead("l2", "won", "won"), lead("l3", "new", "won")], explain: true)
        #expect(
            Z.lines(records, explained: true) == [
                "l1 send won email 2026-04-07T10:00:00-03:00 won/l1/email", "l2 none won no-change", "l3 none won to",
            ])
    }

    @Test("--explain adds only none records: the other records are the same with or without it")
    func explainInvariance() {
        let runtime = S.runtime(
            rules: """
                  - id: a
                    on: work_order.status_changed
                    to: delivered
                    channel: sms
                    template: t
                  - id: b
                    on: work_order.status_changed
                    channel: [email, sms]
                    template: t

                """)
        let events = [S.event("e1"), S.event("e2", location: "fechado"), S.event("e3", client: ["accepts_sms": false]), "{"]
        let plain = S.run(runtime, events)
        let explained = S.run(runtime, events, explain: true)
        #expect(explained.filter { $0.decision != .none } == plain)
        #expect(explained.filter { $0.decision == .none }.count == 3)
    }

    static let check1 = """
          - id: r
            on: work_order.status_changed
            work_hours: drop
            channel: [email, sms]
            template: t

        """

    @Test("check 1: a switched-off location gives ONE skip without channel, before deliverability and no-calendar")
    func locationInactiveFirst() {
        var ruleSet = S.ruleSet(S.base + "rules:\n" + Self.check1)
        ruleSet.locations["fechado"]?.timeZone = "America/Sao_Paulo"
        ruleSet.locations["fechado"]?.calendar = nil
        let records = S.run(
            Runtime(ruleSet: ruleSet), [S.event("e1", location: "fechado", client: ["email": S.Remove(), "phone": S.Remove()])])
        #expect(Z.lines(records) == ["e1 skip r location-inactive"])
        #expect(records.first?.channel == nil)
        #expect(records.first?.message?.isEmpty == false)
    }

    @Test("check 1: a switched-off region of the client gives ONE skip, also for rules without a regions filter")
    func regionInactive() {
        let records = S.run(
            S.runtime(rules: Self.check1), [S.event("e1", at: "2026-04-07T03:00:00-03:00", client: ["region": "off", "phone": "x"])])
        #expect(Z.lines(records) == ["e1 skip r region-inactive"])
        #expect(records.first?.channel == nil)
    }

    @Test("check 1: work_hours without an effective calendar is ONE no-calendar skip, before deliverability")
    func noCalendar() {
        var ruleSet = S.ruleSet(S.base + "rules:\n" + Self.check1)
        ruleSet.locations["norte"]?.calendar = nil
        let records = S.run(
            Runtime(ruleSet: ruleSet), [S.event("e1", location: "norte", client: ["email": "bad", "accepts_sms": false])])
        #expect(Z.lines(records) == ["e1 skip r no-calendar"])
        #expect(records.first?.channel == nil)
    }

    @Test("the effective calendar is the location's, else the client's region's")
    func regionCalendar() {
        var ruleSet = S.ruleSet(S.base + "rules:\n" + Self.check1)
        ruleSet.locations["norte"]?.calendar = nil
        ruleSet.regions["north"]?.calendar = "shop"
        // 2026-04-07 03:00 São Paulo is outside the shop's hours; 10:00 is inside.
        let records = S.run(
            Runtime(ruleSet: ruleSet),
            [
                S.event("e1", at: "2026-04-07T03:00:00-03:00", location: "norte", client: ["region": "north"]),
                S.event("e2", at: "2026-04-07T10:00:00-03:00", location: "norte", client: ["region": "north"]),
            ])
        #expect(Z.lines(records).map { $0.components(separatedBy: " ").prefix(5).joined(separator: " ") } == [
            "e1 skip r email outside-work-hours", "e1 skip r sms outside-work-hours", "e2 send r email 2026-04-07T10:00:00-03:00",
            "e2 send r sms 2026-04-07T10:00:00-03:00",
        ])
    }

    @Test(
        "deliverability per channel, in the order no-address, invalid-address, no-consent",
        arguments: [
            (["email": "x", "accepts_email": false], "email invalid-address"),
            (["email": NSNull(), "accepts_email": false], "email no-address"),
            (["email": "", "accepts_email": true], "email invalid-address"),
            (["email": "a@b.c"], "email send"),
            (["email": "a.b@c.d.e"], "email send"),
            (["email": "a@b"], "email invalid-address"),
            (["email": "a@b@c.d"], "email invalid-address"),
            (["email": "a@b.c "], "email invalid-address"),
            (["email": "a\t@b.c"], "email invalid-address"),
            (["phone": "", "accepts_sms": false], "sms invalid-address"),
            (["phone": NSNull(), "accepts_sms": false], "sms no-address"),
            (["phone": "+123456789012345"], "sms send"),
            (["phone": "+1234567890123456"], "sms invalid-address"),
            (["phone": "+1234567"], "sms invalid-address"),
            (["phone": "+12345678"], "sms send"),
            (["phone": "++12345678"], "sms invalid-address"),
            (["phone": "+1234-5678"], "sms invalid-address"),
            (["phone": "+١٢٣٤٥٦٧٨٩"], "sms invalid-address"),  // only ASCII digits
            (["phone": "+5511999990000", "accepts_sms": NSNull()], "sms no-consent"),
        ].map { (SendableDictionary($0.0), $0.1) })
    func deliverability(client: SendableDictionary, expected: String) {
        let channel = expected.hasPrefix("email") ? "email" : "sms"
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: \(channel)", "template: t"))
        let records = S.run(runtime, [S.event("e1", client: client.value)])
        let got = records.map { "\($0.channel?.rawValue ?? "-") \($0.decision == .send ? "send" : $0.reason ?? "?")" }
        #expect(got == [expected])
    }

    @Test("a skip of deliverability has the channel, a message and no address or key")
    func skipFields() throws {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: sms", "template: t"))
        let record = try #require(S.run(runtime, [S.event("e1", client: ["accepts_sms": false])]).first)
        #expect(record.channel == .sms)
        #expect(record.message?.isEmpty == false)
        #expect(record.to == nil && record.key == nil && record.sendAt == nil && record.body == nil)
        let object = try JSONSerialization.jsonObject(with: Data(record.jsonLine.utf8)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["event", "decision", "rule", "reason", "message", "channel"])
    }

    @Test(
        "fallback: only when NO listed channel can deliver; it is checked the same way and keyed as its own channel",
        arguments: [
            // Listed sms deliverable but dropped outside hours: it *can deliver*, so no fallback.
            ("2026-04-07T19:00:00-03:00", ["email": "m@x.example"], ["skip sms outside-work-hours"]),
            ("2026-04-07T10:00:00-03:00", ["phone": NSNull()], ["skip sms no-address", "send email r/e1/email"]),
            ("2026-04-07T10:00:00-03:00", ["phone": "1"], ["skip sms invalid-address", "send email r/e1/email"]),
            ("2026-04-07T10:00:00-03:00", ["accepts_sms": false, "email": "bad"], ["skip sms no-consent", "skip email invalid-address"]),
            // The fallback channel then gets its own timing check.
            ("2026-04-07T19:00:00-03:00", ["accepts_sms": false], ["skip sms no-consent", "skip email outside-work-hours"]),
        ].map { ($0.0, SendableDictionary($0.1), $0.2) })
    func fallback(at: String, client: SendableDictionary, expected: [String]) {
        let runtime = S.runtime(
            rules: Z.rule("on: work_order.status_changed", "work_hours: drop", "channel: sms", "fallback: email", "template: t"))
        let records = S.run(runtime, [S.event("e1", at: at, client: client.value)])
        let got = records.map { "\($0.decision.rawValue) \($0.channel?.rawValue ?? "-") \($0.reason ?? $0.key ?? "")" }
        #expect(got == expected)
    }

    @Test("keys: RULE/EVENT-ID/CHANNEL for event rules, with ids used verbatim")
    func keys() {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: [sms, email]", "template: t"))
        let records = S.run(runtime, [S.event("ev/1 é")])
        #expect(records.map(\.key) == ["r/ev/1 é/sms", "r/ev/1 é/email"])
    }
}
