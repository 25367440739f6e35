import Testing

@testable import HeraldRuntime

/// `NameTable`: exact byte lookups of event keys and common values, and the
/// integer-keyed `BucketTable` of the rule index.
@Suite("Name and bucket tables")
struct NameTableTests {
    static func lookup(_ table: NameTable, _ text: String) -> Int? {
        Array(text.utf8).withUnsafeBufferPointer { table.index(of: $0) }
    }

    @Test("every name is found at its index; others, prefixes and longer texts are not; the first of equal names wins")
    func names() {
        var names = (0..<300).map { "field_\($0)" } + ["", "a", "ab", "abc", "abcd", "abcdefgh", "abcdefghi", "ção", "a"]
        names += ["work_order", "work_orders", "work_ordeR"]
        let table = NameTable(names.map { Array($0.utf8) })
        for (i, name) in names.enumerated() {
            #expect(Self.lookup(table, name) == names.firstIndex(of: name), "\(name) at \(i)")
        }
        for other in ["field_300", "field_", "abcdefg", "abcdefghij", "cao", "b", "work_orde", "Work_order"] {
            #expect(Self.lookup(table, other) == nil, "\(other)")
        }
    }

    @Test("names that hash alike (same length and sampled words) are told apart")
    func collisions() {
        // 25 bytes: the first, middle and last eight bytes leave byte 16
        // out, so these names differ only where the hash does not look.
        let names = (0..<4).map { "abcdefghijklmnop\($0)qrstuvwx" }
        let hashes = Set(names.map { Array($0.utf8).withUnsafeBufferPointer { NameTable.hash($0) } })
        #expect(hashes.count == 1, "the test's names should collide")
        let table = NameTable(names.map { Array($0.utf8) })
        for (i, name) in names.enumerated() { #expect(Self.lookup(table, name) == i) }
        #expect(Self.lookup(table, "abcdefghijklmnop4qrstuvwx") == nil)
    }

    @Test("generated ids that differ in a few digits spread over the table (rule ids: r0 … r9999)")
    func spread() {
        for ids in [(0..<10_000).map { "r\($0)" }, (0..<10_000).map { "loc\($0 % 500)-wo-ready-\($0)" }] {
            // The table of 10,000 names has 65,536 slots; a random hash
            // would fill about 9,260 distinct ones.
            let slots = Set(ids.map { Array($0.utf8).withUnsafeBufferPointer { NameTable.hash($0) & 65_535 } })
            #expect(slots.count > 8_500, "\(ids[1]): \(slots.count) distinct slots")
            let table = NameTable(ids.map { Array($0.utf8) })
            for i in stride(from: 0, to: ids.count, by: 97) { #expect(Self.lookup(table, ids[i]) == i) }
        }
    }

    @Test("names of every length up to 24 that differ in one byte are told apart, wherever that byte is")
    func everyByte() {
        for length in 1...24 {
            let base = Array("abcdefghijklmnopqrstuvwx".utf8.prefix(length))
            var names = [base]
            for i in 0..<length {
                var other = base
                other[i] = UInt8(ascii: "Z")
                names.append(other)
            }
            let table = NameTable(names)
            for (i, name) in names.enumerated() {
                #expect(name.withUnsafeBufferPointer { table.index(of: $0) } == i, "length \(length), name \(i)")
            }
            // One byte shorter or longer is another name.
            #expect(Array(base.dropLast()).withUnsafeBufferPointer { table.index(of: $0) } == nil)
            #expect((base + [UInt8(ascii: "a")]).withUnsafeBufferPointer { table.index(of: $0) } == nil)
        }
    }

    @Test("an empty table finds nothing")
    func empty() {
        let table = NameTable([])
        #expect(Self.lookup(table, "") == nil)
        #expect(Self.lookup(table, "id") == nil)
    }

    @Test("bucket keys, -1 standing for any, are found exactly; absent keys are not")
    func buckets() {
        var entries: [(key: RuleIndex.BucketKey, start: Int32, count: Int32)] = []
        var n: Int32 = 0
        for code in Int32(0)..<5 {
            for location in Int32(-1)..<40 {
                for status in [Int32(-1), 0, 3] {
                    entries.append((RuleIndex.BucketKey(code: code, location: location, region: -1, status: status), n, 1))
                    n += 1
                }
            }
        }
        let table = BucketTable(entries)
        for entry in entries {
            #expect(table[entry.key]?.start == entry.start)
        }
        #expect(table[RuleIndex.BucketKey(code: 0, location: 0, region: 0, status: -1)] == nil)
        #expect(table[RuleIndex.BucketKey(code: 5, location: -1, region: -1, status: -1)] == nil)
        #expect(table[RuleIndex.BucketKey(code: 0, location: 40, region: -1, status: 0)] == nil)
        #expect(BucketTable([])[RuleIndex.BucketKey(code: 0, location: -1, region: -1, status: -1)] == nil)
    }
}
