/// Finds the index of a byte string in a fixed list without hashing
/// through `Hasher` or building a `String`: an open-addressing table keyed
/// by a cheap hash of the length and three bytes, then a word-wise compare.
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

    /// A cheap hash of a name: its length and up to three of its bytes.
    @inline(__always)
    static func hash(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let n = name.count
        guard n > 0, let p = name.baseAddress else { return 0 }
        return n &* 31 &+ Int(p[0]) &* 7 &+ Int(p[n &- 1]) &* 131 &+ Int(p[n >> 1]) &* 17
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
