/// Finds the index of a byte string in a fixed list without hashing
/// through `Hasher` or building a `String`: an open-addressing table keyed
/// by a cheap hash of the length and up to three words, then a word-wise
/// compare.
struct NameTable: Sendable {
    /// One slot of the open-addressing table: the name's index in the list
    /// (-1: empty), and where its bytes are in `names`, read in one load.
    private struct Slot {
        var index: Int32 = -1
        var start: Int32 = 0
        var count: Int32 = 0
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
            var h = name.withUnsafeBufferPointer { NameTable.hash($0) } & (size - 1)
            while slots[h].index >= 0 { h = (h + 1) & (size - 1) }
            slots[h] = Slot(index: Int32(i), start: Int32(start), count: Int32(name.count))
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
    @inline(__always)
    static func hash(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let n = name.count
        guard n > 0, let p = name.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(p)
        var h: UInt64
        if n >= 8 {
            let first = raw.loadUnaligned(as: UInt64.self)
            let middle = raw.loadUnaligned(fromByteOffset: (n &- 8) >> 1, as: UInt64.self)
            let last = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            h = (first &* 0x9E37_79B9_7F4A_7C15) ^ (middle &* 0xC2B2_AE3D_27D4_EB4F) ^ (last &* 0x1656_67B1_9E37_79F9)
        } else if n >= 4 {
            let first = UInt64(raw.loadUnaligned(as: UInt32.self))
            let last = UInt64(raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
            h = (first << 32 | last) &* 0x9E37_79B9_7F4A_7C15
        } else {
            h = (UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n &- 1]) << 16) &* 0x9E37_79B9_7F4A_7C15
        }
        h ^= UInt64(truncatingIfNeeded: n) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: h ^ (h >> 29) ^ (h >> 47))
    }

    /// The index of the name equal to `name`, if any (the first such).
    func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        var h = NameTable.hash(name) & mask
        let count = Int32(truncatingIfNeeded: name.count)
        return slots.withUnsafeBufferPointer { slots in
            names.withUnsafeBufferPointer { names in
                guard let slotBase = slots.baseAddress else { return nil }
                while true {
                    let slot = slotBase[h]
                    if slot.index < 0 { return nil }
                    if slot.count == count {
                        guard let a = names.baseAddress, let b = name.baseAddress else { return Int(slot.index) }  // both empty
                        if NameTable.equal(a + Int(slot.start), b, count: name.count) { return Int(slot.index) }
                    }
                    h = (h &+ 1) & mask
                }
            }
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
