/// The rules of a rule set by where they can apply, so that an event only
/// looks at rules that may match it (docs/runtime.md): a bucket per
/// (trigger or reminder entity, location, region, new status), `-1` standing
/// for "any", and per code the bucket shapes that have rules. Built once by
/// `RuleIndex.Builder` (as Hummingbird's router trie has its builder), then
/// read-only: `candidates(code:location:region:status:into:)`.
struct RuleIndex: Sendable {
    /// Where a rule can apply: which trigger (or reminder entity), location,
    /// region and new status. `-1` stands for "any".
    struct BucketKey: Hashable, Sendable {
        var code: Int32
        var location: Int32
        var region: Int32
        var status: Int32
    }

    /// Per bucket, where its rule indices are in `numbers`: start and
    /// count (a value with nothing to reference-count, unlike an array).
    let buckets: BucketTable
    /// The rule indices (declaration order) of every bucket, one after another.
    let numbers: [Int32]
    /// Per code: which of the 8 bucket shapes (specific location, region,
    /// status as bits 0, 1, 2) have rules.
    let shapes: [UInt8]

    /// Appends the rule indices of one code that can apply to an event at
    /// `location`, `region` and `status` (-1 when none), bucket by bucket;
    /// the caller sorts and removes repeats.
    func candidates(code: Int, location: Int, region: Int, status: Int, into out: inout [Int32]) {
        guard code >= 0 && code < shapes.count else { return }
        // The shapes this event can be in: "any" always, a specific location,
        // region or status only when the event has one.
        let known = (location >= 0 ? 1 : 0) | (region >= 0 ? 2 : 0) | (status >= 0 ? 4 : 0)
        var shape = Int(shapes[code]) & Int(truncatingIfNeeded: RuleIndex.reachable >> UInt64(8 &* known)) & 0xFF
        guard shape != 0 else { return }
        numbers.withUnsafeBufferPointer { numbers in
            while shape != 0 {
                let s = shape.trailingZeroBitCount
                shape &= shape &- 1
                let key = BucketKey(
                    code: Int32(truncatingIfNeeded: code), location: Int32(truncatingIfNeeded: s & 1 != 0 ? location : -1),
                    region: Int32(truncatingIfNeeded: s & 2 != 0 ? region : -1),
                    status: Int32(truncatingIfNeeded: s & 4 != 0 ? status : -1))
                if let list = buckets[key] {
                    // A buffer, not an `ArraySlice`: no reference counted, one copy.
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: numbers[Int(list.start)..<Int(list.start &+ list.count)]))
                }
            }
        }
    }

    /// Byte k: the bucket shapes (bit s for shape s) that an event knowing
    /// the parts k (bit 0: location, 1: region, 2: status) can be in, those
    /// whose specific parts it all has: 0x01 (only "any") for none known,
    /// 0xFF for all three.
    @inline(__always)
    static var reachable: UInt64 { 0xFF55_3311_0F05_0301 }

    /// Collects the rules, then builds the index.
    struct Builder {
        /// (bucket, rule) pairs in the order rules were added.
        private var entries: [(key: BucketKey, rule: Int32)] = []
        private var shapes: [UInt8]
        /// `[i]` at index i, made once: most rules name one location and
        /// one status, so thousands of rules share a few hundred arrays.
        private var singles: [[Int32]] = []

        /// A builder for `codeCount` codes (triggers and reminder entities).
        init(codeCount: Int) {
            shapes = [UInt8](repeating: 0, count: codeCount)
        }

        /// The indices of `names` in `index`, sorted, without repeats;
        /// names not found are left out.
        mutating func indices(_ names: [String], _ index: [String: Int]) -> [Int32] {
            if names.count == 1 {
                guard let i = index[names[0]] else { return [] }
                while singles.count <= i { singles.append([Int32(singles.count)]) }
                return singles[i]
            }
            return Array(Set(names.compactMap { index[$0].map(Int32.init) })).sorted()
        }

        /// Adds rule `rule` (its index in declaration order) under `code`
        /// for each of its locations, regions and new statuses; nil stands
        /// for "any" (the rule has no such filter).
        mutating func add(rule: Int, code: Int, locations: [Int32]?, regions: [Int32]?, statuses: [Int32]?) {
            for l in locations ?? [-1] {
                for g in regions ?? [-1] {
                    for s in statuses ?? [-1] {
                        entries.append((BucketKey(code: Int32(code), location: l, region: g, status: s), Int32(rule)))
                        let shape = (l >= 0 ? 1 : 0) | (g >= 0 ? 2 : 0) | (s >= 0 ? 4 : 0)
                        shapes[code] |= UInt8(1 << shape)
                    }
                }
            }
        }

        /// The finished index: the pairs sorted by bucket, then by rule
        /// (declaration order within a bucket), each bucket hashed once.
        func build() -> RuleIndex {
            let sorted = entries.sorted {
                ($0.key.code, $0.key.location, $0.key.region, $0.key.status, $0.rule)
                    < ($1.key.code, $1.key.location, $1.key.region, $1.key.status, $1.rule)
            }
            var numbers: [Int32] = []
            numbers.reserveCapacity(sorted.count)
            var ranges: [(key: BucketKey, start: Int32, count: Int32)] = []
            var i = 0
            while i < sorted.count {
                let key = sorted[i].key
                let start = numbers.count
                while i < sorted.count && sorted[i].key == key {
                    numbers.append(sorted[i].rule)
                    i += 1
                }
                ranges.append((key, Int32(start), Int32(numbers.count - start)))
            }
            return RuleIndex(buckets: BucketTable(ranges), numbers: numbers, shapes: shapes)
        }
    }
}

/// The buckets of a `RuleIndex` by key: open addressing over the four
/// numbers packed in two words, hashed with two multiplications instead of
/// `Hasher` (an event looks up several buckets per trigger; the keys come
/// from the rule set, not from events, so a keyed hash buys nothing here).
struct BucketTable: Sendable {
    /// One slot: the packed key (`a` = `empty` when free), start and count.
    private struct Entry {
        var a: UInt64
        var b: UInt64
        var start: Int32
        var count: Int32
    }

    /// The slots, read in one piece (one buffer, no per-field arrays).
    private var entries: [Entry]
    private let mask: Int
    private static let empty = UInt64.max

    /// A table of `entries` (their keys distinct).
    init(_ entries: [(key: RuleIndex.BucketKey, start: Int32, count: Int32)]) {
        var size = 8
        while size < entries.count * 2 { size *= 2 }
        var slots = [Entry](repeating: Entry(a: BucketTable.empty, b: 0, start: 0, count: 0), count: size)
        mask = size - 1
        for entry in entries {
            let (a, b) = BucketTable.pack(entry.key)
            var h = BucketTable.hash(a, b) & mask
            while slots[h].a != BucketTable.empty { h = (h + 1) & mask }
            slots[h] = Entry(a: a, b: b, start: entry.start, count: entry.count)
        }
        self.entries = slots
    }

    /// Code and location in one word, region and status in the other.
    /// No key packs to `empty`: codes are small and non-negative.
    @inline(__always)
    private static func pack(_ key: RuleIndex.BucketKey) -> (UInt64, UInt64) {
        (UInt64(UInt32(bitPattern: key.code)) << 32 | UInt64(UInt32(bitPattern: key.location)),
            UInt64(UInt32(bitPattern: key.region)) << 32 | UInt64(UInt32(bitPattern: key.status)))
    }

    @inline(__always)
    private static func hash(_ a: UInt64, _ b: UInt64) -> Int {
        let x = (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: x ^ (x >> 29))
    }

    /// Where the rule numbers of the bucket `key` are, if it has any.
    @inline(__always)
    subscript(key: RuleIndex.BucketKey) -> (start: Int32, count: Int32)? {
        let (a, b) = BucketTable.pack(key)
        var h = BucketTable.hash(a, b) & mask
        return entries.withUnsafeBufferPointer { slots in
            while true {
                let slot = slots[h]
                if slot.a == BucketTable.empty { return nil }
                if slot.a == a && slot.b == b { return (slot.start, slot.count) }
                h = (h &+ 1) & mask
            }
        }
    }
}
