/// The ids of processed events (SPEC §8.1 step 4), for the `duplicate-event`
/// check of every event.
///
/// A `Set<String>` hashed each id with SipHash through `Hasher` and rehashed
/// every id again each time it grew: about 5 % of the instructions of an
/// evaluated event. This table hashes an id's UTF-8 a word at a time with a
/// multiply-and-fold hash (the shape of wyhash) keyed by a seed drawn once
/// per process, so that ids sent to make long probe chains cannot be chosen
/// without knowing it. Each slot keeps the low 32 bits of its id's hash,
/// which place it: a probe rarely compares bytes of another id, and growing
/// the table moves slots without reading an id again.
///
/// Ids are equal when their UTF-8 bytes are, as they are in the service's
/// stores (SQLite's and PostgreSQL's text keys), not by Unicode canonical
/// equivalence as `String`'s `==` would have it.
struct EventIDSet: Sendable {
    /// The ids, in insertion order.
    private(set) var ids: [String] = []
    /// Open addressing, a power of two long (at most 2^32): 0 is empty,
    /// else the low 32 bits of the id's hash (which also give its place) and
    /// the id's index + 1 in `ids`.
    private var slots: [UInt64] = []

    /// The seed of every set's hash, drawn once per process.
    static let seed = UInt64.random(in: .min ... .max) | 1

    /// An empty set.
    init() {}

    /// A set of `ids` (repeats counted once).
    init<S: Sequence>(_ ids: S) where S.Element == String {
        for id in ids { insert(id) }
    }

    /// The number of ids.
    var count: Int { ids.count }

    /// Whether the set has no ids.
    var isEmpty: Bool { ids.isEmpty }

    /// Adds `id`; false when it was already there.
    @discardableResult
    mutating func insert(_ id: String) -> Bool {
        if (ids.count &+ 1) &* 2 > slots.count { grow() }
        let (found, i, tag) = probe(id)
        if found { return false }
        ids.append(id)
        slots[i] = tag << 32 | UInt64(ids.count)
        return true
    }

    /// Whether `id` is in the set.
    func contains(_ id: String) -> Bool {
        !slots.isEmpty && probe(id).found
    }

    /// Where `id` is, or the empty slot where it would go (the table must
    /// have one), and its hash's 32 bits kept in the slot.
    @inline(__always)
    private func probe(_ id: String) -> (found: Bool, slot: Int, tag: UInt64) {
        var id = id
        let tag = id.withUTF8 { EventIDSet.hash($0) } & 0xFFFF_FFFF
        let mask = slots.count &- 1
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { return (false, i, tag) }
            if slot >> 32 == tag, ids[Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) &- 1].utf8Equals(&id) { return (true, i, tag) }
            i = (i &+ 1) & mask
        }
    }

    /// Doubles the table (at least 16 slots) and places every slot again by
    /// the hash bits it keeps.
    private mutating func grow() {
        let size = max(16, slots.count * 2)
        var grown = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        for slot in slots where slot != 0 {
            var i = Int(truncatingIfNeeded: slot >> 32) & mask
            while grown[i] != 0 { i = (i &+ 1) & mask }
            grown[i] = slot
        }
        slots = grown
    }

    /// The seeded hash of `bytes`: eight bytes at a time, each word folded
    /// in with a 64 × 64 → 128-bit multiplication.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        hash(bytes, seed: seed)
    }

    /// `hash(_:)` keyed by another seed (`EntityReference`'s hash in a
    /// dictionary, keyed by the dictionary's).
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let n = bytes.count
        var h = seed ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return fold(h, 0xE703_7ED1_A0B4_28DB) }
        let p = UnsafeRawPointer(base)
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                h = fold(h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
                i &+= 8
            }
            // The last eight bytes (overlapping the word before; the length is in the seed).
            h = fold(h ^ p.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self), 0x8EBC_6AF0_9C88_C6E3)
        } else {
            h = fold(h ^ (n > 0 ? p.loadShortWord(count: n) : 0), 0x8EBC_6AF0_9C88_C6E3)
        }
        return fold(h, 0xE703_7ED1_A0B4_28DB)
    }

    /// The two halves of `a × b` folded together.
    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = a.multipliedFullWidth(by: b)
        return m.high ^ m.low
    }
}

extension String {
    /// Whether this string's UTF-8 bytes equal `other`'s.
    fileprivate func utf8Equals(_ other: inout String) -> Bool {
        var this = self
        return this.withUTF8 { a in other.withUTF8 { b in a.count == b.count && a.elementsEqual(b) } }
    }
}
