/// Finds the index of a byte string in a fixed list without hashing
/// through `Hasher` or building a `String`: an open-addressing table keyed
/// by a cheap hash of the length and up to three words; a name of up to
/// 16 bytes is then told by two word compares, a longer one by a word-wise
/// compare of its bytes.
struct NameTable: Sendable {
    /// One slot of the open-addressing table: the name's first and last
    /// eight bytes as words (which decide equality for names of up to 16
    /// bytes with two compares), its index in the list (-1: empty), its
    /// length, and where its bytes are in `names` (read only for longer
    /// names).
    private struct Slot {
        var head: UInt64 = 0
        var tail: UInt64 = 0
        var index: Int32 = -1
        var count: Int32 = 0
        var start: Int32 = 0
    }

    /// The slots; the size is a power of two.
    private let slots: [Slot]
    private let mask: Int
    /// All names, UTF-8, one after the other.
    private let names: [UInt8]

    /// A table of `list` (the first of equal names wins).
    init(_ list: [[UInt8]]) {
        var size = 16
        while size < list.count * 4 { size *= 2 }
        var slots = [Slot](repeating: Slot(), count: size)
        var names: [UInt8] = []
        for (i, name) in list.enumerated() where i < Int(Int16.max) {
            let start = names.count
            names += name
            let (head, tail, h) = name.withUnsafeBufferPointer { NameTable.words($0) }
            var at = h & (size - 1)
            while slots[at].index >= 0 { at = (at + 1) & (size - 1) }
            slots[at] = Slot(head: head, tail: tail, index: Int32(i), count: Int32(name.count), start: Int32(start))
        }
        self.slots = slots
        self.mask = size - 1
        self.names = names
    }

    /// A cheap hash of a name: its length and its first, middle and last
    /// eight bytes (overlapping; fewer for a shorter name), multiplied and
    /// folded so that the low bits the table uses depend on all of them.
    /// Names that differ in one place (`r-001`, `r-002`; a set of
    /// generated rule ids) spread over the table.
    static func hash(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        words(name).hash
    }

    /// A name's first eight bytes (all of a shorter name, zero-padded) and
    /// its last eight when it is longer than eight (else 0), as
    /// little-endian words, and its hash.
    @inline(__always)
    private static func words(_ name: UnsafeBufferPointer<UInt8>) -> (head: UInt64, tail: UInt64, hash: Int) {
        let n = name.count
        var head: UInt64 = 0
        var tail: UInt64 = 0
        var middle: UInt64 = 0
        if n > 0, let p = name.baseAddress {
            let raw = UnsafeRawPointer(p)
            if n >= 8 {
                head = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
                if n > 8 { tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)) }
                if n > 16 { middle = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: (n &- 8) >> 1, as: UInt64.self)) }
            } else {
                head = raw.loadShortWord(count: n)
            }
        }
        var h = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0x1656_67B1_9E37_79F9) ^ (middle &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= UInt64(truncatingIfNeeded: n) &* 0xFF51_AFD7_ED55_8CCD
        return (head, tail, Int(truncatingIfNeeded: h ^ (h >> 29) ^ (h >> 47)))
    }

    /// The index of the name equal to `name`, if any (the first such).
    @inline(__always)
    func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        let (head, tail, hash) = NameTable.words(name)
        var h = hash & mask
        let count = Int32(truncatingIfNeeded: name.count)
        return slots.withUnsafeBufferPointer { slots in
            guard let slotBase = slots.baseAddress else { return nil }
            while true {
                let slot = slotBase[h]
                if slot.index < 0 { return nil }
                if slot.head == head && slot.tail == tail && slot.count == count {
                    // Up to 16 bytes, the two words were the whole name.
                    if count <= 16 || equalBytes(at: Int(slot.start), name) { return Int(slot.index) }
                }
                h = (h &+ 1) & mask
            }
        }
    }

    /// Whether the name stored from `start` on has the bytes of `name`.
    private func equalBytes(at start: Int, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        names.withUnsafeBufferPointer { names in
            guard let a = names.baseAddress, let b = name.baseAddress else { return name.isEmpty }
            return NameTable.equal(a + start, b, count: name.count)
        }
    }

    /// Whether `count` bytes at `a` and `b` are equal (a word at a time).
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        if count >= 8 {
            var i = 0
            while i &+ 8 < count {
                if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i &+= 8
            }
            // The last eight bytes (overlapping the previous word).
            return x.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                == y.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        }
        if count >= 4 {
            return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
                && x.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                    == y.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        }
        for i in 0..<count where a[i] != b[i] { return false }
        return true
    }
}
