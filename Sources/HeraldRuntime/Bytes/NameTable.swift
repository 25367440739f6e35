/// Finds the index of a byte string in a fixed list without hashing
/// through `Hasher` or building a `String`: an open-addressing table keyed
/// by a cheap hash of the length and three bytes, then a word-wise compare.
struct NameTable: Sendable {
    /// Indices into the list (-1: empty slot); the size is a power of two.
    private let slots: [Int16]
    private let mask: Int
    /// All names, UTF-8, one after the other; `starts[i]..<starts[i + 1]` is name i.
    private let names: [UInt8]
    private let starts: [Int]

    /// A table of `list` (the first of equal names wins).
    init(_ list: [[UInt8]]) {
        var size = 16
        while size < list.count * 4 { size *= 2 }
        var slots = [Int16](repeating: -1, count: size)
        var names: [UInt8] = []
        var starts: [Int] = []
        for (i, name) in list.enumerated() where i < Int(Int16.max) {
            starts.append(names.count)
            names += name
            var h = name.withUnsafeBufferPointer { NameTable.hash($0) } & (size - 1)
            while slots[h] >= 0 { h = (h + 1) & (size - 1) }
            slots[h] = Int16(i)
        }
        starts.append(names.count)
        self.slots = slots
        self.mask = size - 1
        self.names = names
        self.starts = starts
    }

    /// A cheap hash of a name: its length and up to three of its bytes.
    @inline(__always)
    static func hash(_ name: UnsafeBufferPointer<UInt8>) -> Int {
        let n = name.count
        guard n > 0 else { return 0 }
        return n &* 31 &+ Int(name[0]) &* 7 &+ Int(name[n &- 1]) &* 131 &+ Int(name[n >> 1]) &* 17
    }

    /// The index of the name equal to `name`, if any (the first such).
    func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        var h = NameTable.hash(name) & mask
        return slots.withUnsafeBufferPointer { slots in
            names.withUnsafeBufferPointer { names in
                while true {
                    let i = Int(slots[h])
                    if i < 0 { return nil }
                    let start = starts[i]
                    if starts[i + 1] - start == name.count {
                        guard let a = names.baseAddress, let b = name.baseAddress else { return i }  // both empty
                        if NameTable.equal(a + start, b, count: name.count) { return i }
                    }
                    h = (h + 1) & mask
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
