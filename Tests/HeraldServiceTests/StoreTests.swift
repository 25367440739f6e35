import Foundation
import HeraldRuntime
import HeraldService
import Testing

@Suite("SQLite store (SPEC §12.2 state in the store)")
struct StoreTests {
    @Test("processed ids and reminder plans survive reopening the store")
    func survivesRestart() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let now = Date().timeIntervalSince1970
        let at = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 10 * 86_400))\""
        _ = try await f.server.intake(body: Array(ServiceFixture.event("s1", "work_order.schedule_changed", extra: at).utf8), ndjson: false)

        // A second server over the same file: what a restart sees.
        let store = try SQLiteStore(path: f.directory + "/herald.sqlite")
        guard case .success(let loaded) = RulesLoader.load(path: f.rulesPath) else { Issue.record("rules"); return }
        let again = HeraldServer(
            configuration: f.server.configuration, rulesPath: f.rulesPath, rules: loaded, token: "t", store: store)
        let duplicate = try await again.intake(body: Array(ServiceFixture.event("s1", "work_order.schedule_changed", extra: at).utf8), ndjson: false)
        #expect(String(decoding: duplicate, as: UTF8.self).contains("duplicate-event"))
        let same = try await again.intake(body: Array(ServiceFixture.event("s2", "work_order.status_changed", extra: at).utf8), ndjson: false)
        #expect(same.isEmpty, "the same scheduled time plans nothing new")
        let moved = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 11 * 86_400))\""
        let reply = String(decoding: try await again.intake(body: Array(ServiceFixture.event("s3", "work_order.schedule_changed", extra: moved).utf8), ndjson: false), as: UTF8.self)
        #expect(reply.contains("\"decision\":\"cancel\"") && reply.contains("\"reason\":\"rescheduled\""))
    }

    @Test("a batch is one transaction: records of all its events in order, one delivery per send", arguments: ServiceFixture.Backend.available)
    func batch(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let lines = (1...50).map { ServiceFixture.event("b\($0)", workOrder: "WO-\($0)") }.joined(separator: "\n")
        let reply = String(decoding: try await f.server.intake(body: Array(lines.utf8), ndjson: true), as: UTF8.self)
        let records = reply.split(separator: "\n")
        #expect(records.count == 100)
        let page = try await f.store.deliveries({ var q = DeliveryQuery(); q.limit = 1000; return q }())
        #expect(page.items.count == 100)
        #expect(Set(page.items.map(\.id)).count == 100)
    }

    @Test("concurrent requests are all committed (group commit) and each gets its own records", arguments: ServiceFixture.Backend.available)
    func concurrent(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let server = f.server
        let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 1...40 {
                group.addTask {
                    let r = try await server.intake(body: Array(ServiceFixture.event("c\(i)", workOrder: "WO-\(i)").utf8), ndjson: false)
                    return (i, String(decoding: r, as: UTF8.self))
                }
            }
            var all: [Int: String] = [:]
            for try await (i, r) in group { all[i] = r }
            return all
        }
        #expect(replies.count == 40)
        for (i, r) in replies { #expect(r.contains("\"event\":\"c\(i)\"") && !r.contains("\"event\":\"c\(i + 100)\"")) }
        var q = DeliveryQuery()
        q.limit = 1000
        #expect(try await f.store.deliveries(q).items.count == 80)
    }

    @Test("prune deletes old events, rejects and final deliveries, and keeps scheduled ones", arguments: ServiceFixture.Backend.available)
    func prune(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        _ = try await f.server.intake(body: Array((ServiceFixture.event("p1") + "\nnot json\n").utf8), ndjson: true)
        _ = try await f.server.intake(body: Array(ServiceFixture.event("p2", "work_order.closed").utf8), ndjson: false)
        let removed = try await f.store.prune(before: Date().timeIntervalSince1970 + 1)
        #expect(removed >= 3)
        var q = DeliveryQuery()
        q.limit = 1000
        #expect(try await f.store.deliveries(q).items.allSatisfy { $0.status == .scheduled })
        #expect(try await f.store.rejects(RejectQuery()).items.isEmpty)
    }

    static let quoteRules = """
        herald: 1
        statuses:
          lead: [new, quoted, won, lost]
        locations:
          centro: {timezone: America/Sao_Paulo}
        templates:
          follow:
            email: {subject: "Sua proposta", body: "Olá {{client.name}}, alguma dúvida sobre a proposta?"}
        rules:
          - id: quote-follow-up
            on: lead.status_changed
            to: quoted
            delay: 3d
            cancel_if: lead.status != "quoted"
            channel: email
            template: follow

        """

    static func lead(_ id: String, status: String, previous: String, at: Double, lead: String = "L-1") -> String {
        """
        {"id":"\(id)","type":"lead.status_changed","occurred_at":"\(ServiceFixture.iso(at))","location":"centro",\
        "lead":{"id":"\(lead)","name":"Lead","status":"\(status)","previous_status":"\(previous)"},\
        "client":{"id":"C-1","name":"Maria","email":"maria@example.com","accepts_email":true}}
        """
    }

    @Test("cancel_if: a later event of the lead cancels the pending follow-up, from the state in the store", arguments: ServiceFixture.Backend.available)
    func cancelIf(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend, rules: Self.quoteRules)
        defer { f.remove() }
        let now = Date().timeIntervalSince1970
        let first = String(decoding: try await f.server.intake(
            body: Array(Self.lead("q1", status: "quoted", previous: "new", at: now - 60).utf8), ndjson: false), as: UTF8.self)
        let ids: [String] = first.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["delivery"] as? String
        }
        let id = try #require(ids.first)
        let second = String(decoding: try await f.server.intake(
            body: Array(Self.lead("q2", status: "won", previous: "quoted", at: now - 30).utf8), ndjson: false), as: UTF8.self)
        #expect(second.contains("\"decision\":\"cancel\"") && second.contains("\"reason\":\"cancel-if\""))
        let d = try #require(try await f.store.delivery(id: id))
        #expect(d.status == .cancelled)
        #expect(d.reason == "cancel-if")
    }

    /// The fixture's rule set as the intake evaluates it.
    static func evaluator(_ f: ServiceFixture) throws -> IntakeEvaluator {
        guard case .success(let loaded) = RulesLoader.load(path: f.rulesPath) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return IntakeEvaluator(runtime: loaded.runtime, rulesHash: loaded.hash)
    }

    @Test("an event evaluated ahead of its transaction is evaluated again there when its entity's state changed meanwhile", arguments: ServiceFixture.Backend.available)
    func staleSpeculation(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend, rules: Self.quoteRules)
        defer { f.remove() }
        let evaluator = try Self.evaluator(f)
        let now = Date().timeIntervalSince1970
        func records(_ results: [[LineResult]]) -> [DecisionRecord] { results.flatMap { $0.flatMap(\.records) } }

        // Requests of other leads' events around the one that matters, as
        // many as a request needs to be evaluated ahead.
        func request(_ event: String, _ tag: String) -> [UInt8] {
            let others = (2...20).map { Self.lead("\(tag)-\($0)", status: "won", previous: "new", at: now - 90, lead: "L-\($0)") }
            return Array(([event] + others).joined(separator: "\n").utf8)
        }
        // Evaluated ahead while L-1 has nothing pending: nothing to cancel.
        let won = await f.store.speculate(
            try evaluator.prepare(body: request(Self.lead("q2", status: "won", previous: "quoted", at: now - 30), "a"), ndjson: true),
            evaluator: evaluator)
        #expect(won.allSatisfy { $0.speculation != nil } || backend == .postgres)
        // Evaluated ahead, then committed by another request first.
        let quoted = request(Self.lead("q1", status: "quoted", previous: "new", at: now - 60), "b")
        let early = await f.store.speculate(try evaluator.prepare(body: quoted, ndjson: true), evaluator: evaluator)
        let first = records(try await f.store.commit([try evaluator.prepare(body: quoted, ndjson: true)], evaluator: evaluator, now: now))
        #expect(first.map(\.decision) == [.send])

        // The follow-up is pending now: the stale evaluation is not used.
        let second = records(try await f.store.commit([won], evaluator: evaluator, now: now))
        #expect(second.map(\.decision) == [.cancel])
        #expect(second.first?.reason == "cancel-if")
        let again = records(try await f.store.commit([early], evaluator: evaluator, now: now))
        #expect(again.map(\.reason) == Array(repeating: "duplicate-event", count: 20))
        var q = DeliveryQuery()
        q.limit = 100
        #expect(try await f.store.deliveries(q).items.map(\.status) == [.cancelled])
    }

    @Test("an event evaluated ahead gives the records and rows it would have given in its transaction", arguments: ServiceFixture.Backend.available)
    func speculationSame(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let evaluator = try Self.evaluator(f)
        let now = Date().timeIntervalSince1970
        let body = Array((1...20).map { ServiceFixture.event("e\($0)", workOrder: "WO-\($0 % 3)") }.joined(separator: "\n").utf8)
        let ahead = await f.store.speculate(try evaluator.prepare(body: body, ndjson: true), evaluator: evaluator)
        let results = try await f.store.commit([ahead], evaluator: evaluator, now: now)[0]
        // The same events in a fresh store, evaluated in the transaction only.
        let g = try await ServiceFixture.make(backend)
        defer { g.remove() }
        let plain = try await g.store.commit([try evaluator.prepare(body: body, ndjson: true)], evaluator: evaluator, now: now)[0]
        #expect(results.map(\.records) == plain.map(\.records))
        #expect(results.map(\.outcome) == plain.map(\.outcome))
        var q = DeliveryQuery()
        q.limit = 100
        let a = try await f.store.deliveries(q).items, b = try await g.store.deliveries(q).items
        #expect(a.count == b.count && a.count > 0)
        #expect(a.map(\.key) == b.map(\.key))
    }

    @Test("CRLF lines are read as herald eval reads them: the same reject message, raw kept without the CR")
    func crlf() throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let evaluator = try Self.evaluator(f)
        let bad = "{\"id\":\"cz-bad\""
        let lines = try evaluator.prepare(body: Array((ServiceFixture.event("ok") + "\r\n" + bad + "\r\n").utf8), ndjson: true)
        #expect(lines.count == 2)
        guard case .rejected(let record) = lines[1].content,
            case .rejected(let expected) = evaluator.runtime.parse(line: Array((bad + "\r").utf8), lineNumber: 2)
        else {
            Issue.record("line 2 is not a reject")
            return
        }
        #expect(record.message == expected.message)
        #expect(record.message?.contains("byte 16") == true, "\(record.message ?? "")")
        #expect(lines[1].raw == Array(bad.utf8))
        guard case .event = lines[0].content else { Issue.record("line 1 is not an event"); return }
        #expect(lines[0].raw.last == UInt8(ascii: "}"))
    }

    static let pipelineRules = ServiceFixture.rules + """
          - id: ready-nudge
            on: work_order.status_changed
            to: ready_for_pickup
            delay: 2d
            cancel_if: work_order.status != "ready_for_pickup"
            channel: sms
            template: followup

        """

    @Test("requests evaluated ahead while the one before them is still uncommitted give the records of one evaluation in order", arguments: ServiceFixture.Backend.available)
    func pipelined(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend, rules: Self.pipelineRules)
        defer { f.remove() }
        let evaluator = try Self.evaluator(f)
        let start = Date().timeIntervalSince1970 - 3_600
        // Five work orders through their life, interleaved, with moved
        // visits, a status that cancels the nudge, and re-posted ids.
        var rng = SystemRandomNumberGenerator()
        var lines: [String] = []
        var status = [String](repeating: "open", count: 5)
        for n in 0..<300 {
            let wo = Int.random(in: 0..<5, using: &rng)
            let at = ServiceFixture.iso(start + Double(n))
            let visit = ServiceFixture.iso(start + Double(86_400 * Int.random(in: 2...4, using: &rng)))
            var type = ["work_order.schedule_changed", "work_order.status_changed", "work_order.closed", "work_order.created"]
                .randomElement(using: &rng)!
            var previous = ""
            if type == "work_order.status_changed" {
                let next = ["in_repair", "ready_for_pickup", "delivered"].randomElement(using: &rng)!
                previous = ",\"previous_status\":\"\(status[wo])\""
                status[wo] = next
            }
            if n > 10, Int.random(in: 0..<10, using: &rng) == 0 {
                lines.append(lines[Int.random(in: 0..<lines.count, using: &rng)])  // a re-posted event
                continue
            }
            if type == "work_order.closed" && status[wo] != "delivered" { type = "work_order.schedule_changed" }
            lines.append(
                """
                {"id":"p\(n)","type":"\(type)","occurred_at":"\(at)","location":"centro",\
                "work_order":{"id":"WO-\(wo)","number":"\(wo)","status":"\(status[wo])"\(previous),"scheduled_for":"\(visit)"},\
                "client":{"id":"C-1","name":"Maria","email":"maria@example.com","phone":"+5511999990000",\
                "accepts_email":true,"accepts_sms":true}}
                """)
        }
        // Requests of 16 to 40 lines; each one is evaluated ahead before
        // the previous one is committed.
        var requests: [[PreparedLine]] = []
        var i = 0
        while i < lines.count {
            let n = min(Int.random(in: 16...40, using: &rng), lines.count - i)
            requests.append(try evaluator.prepare(body: Array(lines[i..<(i + n)].joined(separator: "\n").utf8), ndjson: true))
            i += n
        }
        var got: [DecisionRecord] = []
        var ahead = await f.store.speculate(requests[0], evaluator: evaluator)
        for k in requests.indices {
            let next = k + 1 < requests.count ? await f.store.speculate(requests[k + 1], evaluator: evaluator) : []
            let results = try await f.store.commit([ahead], evaluator: evaluator, now: Date().timeIntervalSince1970)
            got += results[0].flatMap(\.records)
            ahead = next
        }
        // The same events through one runtime and one state, in order.
        var state = RuntimeState()
        var expected: [DecisionRecord] = []
        for (n, line) in lines.enumerated() {
            guard case .event(let event) = evaluator.runtime.parse(line: Array(line.utf8), lineNumber: n + 1) else {
                Issue.record("line \(n + 1) does not parse")
                return
            }
            expected += evaluator.runtime.process(event: event, state: &state)
        }
        #expect(got.count == expected.count)
        for (a, b) in zip(got, expected) where a != b {
            // Duplicates: the runtime's records carry no line; the service's reject of a
            // re-posted event has its line in the request.
            var a = a
            a.line = b.line
            #expect(a == b)
        }
        #expect(Set(expected.map(\.decision)).isSuperset(of: [.send, .cancel, .reject]))
    }

    @Test("a stale re-examination of an interrupted attempt changes nothing once a newer attempt ran", arguments: ServiceFixture.Backend.available)
    func staleRecovery(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let now = Date().timeIntervalSince1970
        _ = try await f.server.intake(body: Array(ServiceFixture.event("r1", at: now - 60).utf8), ndjson: false)
        let first = try await f.store.claimDue(now: now, limit: 1)
        let d = try #require(first.first)
        var interrupted = AttemptResult(
            deliveryID: d.id, attempt: 1, status: .retrying, outcome: .interrupted, detail: "stopped", nextAttemptAt: now,
            finishedAt: now)
        interrupted.isRecovery = true
        try await f.store.finish([interrupted])
        let second = try await f.store.claimDue(now: now + 1, limit: 10)
        #expect(second.contains { $0.id == d.id && $0.attemptCount == 2 })
        try await f.store.finish([
            AttemptResult(deliveryID: d.id, attempt: 2, status: .sent, outcome: .sent, detail: "ok", finishedAt: now + 1)
        ])
        // Another instance had read attempt 1 as `sending` before all this and now finds the file.
        var stale = AttemptResult(
            deliveryID: d.id, attempt: 1, status: .sent, outcome: .sent, detail: "found delivered", finishedAt: now + 2)
        stale.isRecovery = true
        try await f.store.finish([stale])
        let after = try #require(try await f.store.delivery(id: d.id))
        #expect(after.status == .sent)
        #expect(after.attempts?.map(\.outcome) == [.interrupted, .sent])
    }

    @Test(
        "a re-sent delivery's attempts and final status name the delivery they re-send in the timeline",
        arguments: ServiceFixture.Backend.available)
    func resendInTimeline(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let now = Date().timeIntervalSince1970
        _ = try await f.server.intake(body: Array(ServiceFixture.event("t1", at: now - 60).utf8), ndjson: false)
        let (original, copy) = try await f.sendAndResend(newID: "resend-1", now: now)
        let items = try #require(try await f.store.timeline(EntityReference(entity: .workOrder, id: "WO-1")))
        let ofCopy = items.filter { $0.json["delivery"] == .string(copy.id) && $0.json["kind"] != .string("decision") }
        #expect(ofCopy.map { $0.json["kind"] } == [.string("attempt"), .string("delivery")])
        #expect(ofCopy.allSatisfy { $0.json["resend_of"] == .string(original.id) })
        let ofOriginal = items.filter { $0.json["delivery"] == .string(original.id) }
        #expect(!ofOriginal.isEmpty)
        #expect(ofOriginal.allSatisfy { $0.json["resend_of"] == nil })
    }
}
