import Foundation
import Testing

@testable import HeraldRuntime

/// The processed-id table (`EventIDSet`): the same answers as a `Set` of the
/// ids' bytes, through growth, for ids of every length.
@Suite("processed event ids")
struct EventIDSetTests {
    @Test("insert and contains agree with a Set over thousands of ids of 0–40 bytes, repeats and growth included")
    func agreesWithSet() {
        var table = EventIDSet()
        var reference = Set<[UInt8]>()
        var generator = SystemRandomNumberGenerator()
        for n in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            // Ids that differ only in their last bytes, or only in length, are common.
            var id = String(repeating: "e", count: length)
            if n % 3 == 0 { id = "ev-\(n % 5_000)" }
            if n % 7 == 0 { id += "\u{e9}" }
            let inserted = table.insert(id)
            let expected = reference.insert(Array(id.utf8)).inserted
            #expect(inserted == expected, "\(id)")
        }
        #expect(table.count == reference.count)
        for id in ["", "e", "ev-1", "ev-4999", "ev-5000", "x", String(repeating: "e", count: 41)] {
            #expect(table.contains(id) == reference.contains(Array(id.utf8)), "\(id)")
        }
    }

    @Test("ids are equal byte for byte, as the stores compare them: precomposed and decomposed é are two ids")
    func byteEquality() {
        var table = EventIDSet()
        let first = table.insert("caf\u{e9}")
        let decomposed = table.insert("cafe\u{301}")
        let again = table.insert("caf\u{e9}")
        #expect(first && decomposed && !again)
        #expect(table.count == 2)
    }

    @Test("the state's processed ids survive encoding and compare as sets")
    func stateRoundTrip() throws {
        var state = RuntimeState()
        state.processedEventIDs = ["b", "a", "c"]
        let data = try JSONEncoder().encode(state)
        #expect(String(decoding: data, as: UTF8.self).contains(#""processed_events":["a","b","c"]"#))
        let back = try JSONDecoder().decode(RuntimeState.self, from: data)
        #expect(back == state)
        #expect(back.processedEventIDs == ["a", "b", "c"])
        var other = RuntimeState()
        other.processedEventIDs = ["a", "b", "d"]
        #expect(other != state)
    }

    @Test("forgetting ids keeps the others byte for byte; encoding orders ids by bytes, whatever the insertion order")
    func forgetAndOrder() throws {
        var runtime = RuntimeState()
        var reversed = RuntimeState()
        for id in ["caf\u{e9}", "cafe\u{301}", "b"] { _ = runtime.processed.insert(id) }
        for id in ["b", "cafe\u{301}", "caf\u{e9}"] { _ = reversed.processed.insert(id) }
        func ids(_ state: RuntimeState) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(state)) as? [String: Any]
            return object?["processed_events"] as? [String] ?? []
        }
        #expect(try ids(runtime) == ids(reversed))
        #expect(try ids(runtime).map { Array($0.utf8) } == ["b", "caf\u{e9}", "cafe\u{301}"].map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        runtime.forgetProcessedEvents { $0 == "b" }
        #expect(runtime.processed.count == 2)
        #expect(runtime.processed.contains("caf\u{e9}") && runtime.processed.contains("cafe\u{301}"))
        #expect(!runtime.processed.contains("b"))
    }

    @Test("entity references: equal by kind and id bytes, hashed alike when equal, found among thousands in a dictionary")
    func entityReferences() {
        let composed = EntityReference(entity: .workOrder, id: "caf\u{e9}")
        let decomposed = EntityReference(entity: .workOrder, id: "cafe\u{301}")
        #expect(composed != decomposed)
        #expect(composed == EntityReference(entity: .workOrder, id: "caf" + "\u{e9}"))
        #expect(composed != EntityReference(entity: .lead, id: "caf\u{e9}"))
        // A long id in native storage and the same bytes built another way.
        let long = String(repeating: "WO-", count: 20) + "\u{e9}"
        let built = String(decoding: Array(long.utf8), as: UTF8.self)
        let a = EntityReference(entity: .workOrder, id: long), b = EntityReference(entity: .workOrder, id: built)
        #expect(a == b)
        for seed in [0, 1, -7, Int.max] { #expect(a._rawHashValue(seed: seed) == b._rawHashValue(seed: seed)) }
        var ha = Hasher(), hb = Hasher()
        a.hash(into: &ha)
        b.hash(into: &hb)
        #expect(ha.finalize() == hb.finalize())

        var table: [EntityReference: Int] = [:]
        var byBytes: [[UInt8]: Int] = [:]
        for n in 0..<5_000 {
            let entity: Entity = n % 3 == 0 ? .lead : .workOrder
            let id = n % 7 == 0 ? "wo-\(n % 1_000)\u{e9}" : n % 5 == 0 ? "wo-\(n % 1_000)e\u{301}" : "wo-\(n % 2_000)"
            table[EntityReference(entity: entity, id: id), default: 0] += 1
            byBytes[[entity == .lead ? 1 : 2] + Array(id.utf8), default: 0] += 1
        }
        #expect(table.count == byBytes.count)
        for (reference, count) in table {
            #expect(byBytes[[reference.entity == .lead ? 1 : 2] + Array(reference.id.utf8)] == count)
        }

        // A reference changed in place is the reference it became (its kept hash follows).
        var changed = EntityReference(entity: .lead, id: "wo-1")
        changed.id = "wo-2"
        changed.entity = .workOrder
        #expect(changed == EntityReference(entity: .workOrder, id: "wo-2"))
        #expect(table[changed] == table[EntityReference(entity: .workOrder, id: "wo-2")])
        #expect(Set([changed, EntityReference(entity: .workOrder, id: "wo-2")]).count == 1)
    }

    @Test("entity references encode as {entity, id} and decode to an equal reference")
    func entityReferenceCoding() throws {
        let reference = EntityReference(entity: .workOrder, id: "cafe\u{301}")
        let data = try JSONEncoder().encode(reference)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: String]
        #expect(object == ["entity": "work_order", "id": "cafe\u{301}"])
        let back = try JSONDecoder().decode(EntityReference.self, from: data)
        #expect(back == reference)
        #expect([reference: 1][back] == 1)
    }
}
