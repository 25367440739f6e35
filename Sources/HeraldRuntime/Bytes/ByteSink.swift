/// A growable byte buffer written through a raw pointer: the hot paths that
/// produce output (JSON records) reserve room once and then store bytes
/// without the per-call uniqueness and capacity checks of
/// `Array.append(contentsOf:)`. Owns its memory (non-copyable, freed in
/// `deinit`).
struct ByteSink: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// Bytes written.
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for at least `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count &+ extra) }
    }

    private mutating func grow(_ needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = size
    }

    /// Forgets the bytes written (keeps the memory).
    mutating func removeAll() { count = 0 }

    /// Forgets the bytes written after the first `n`.
    mutating func truncate(to n: Int) { count = min(count, max(0, n)) }

    /// The bytes written.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        body(UnsafeBufferPointer(start: base, count: count))
    }

    // Unchecked stores: the caller reserved room.

    @inline(__always)
    mutating func put(_ b: UInt8) {
        assert(count < capacity, "ByteSink.put: no room reserved")
        base[count] = b
        count &+= 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        let n = bytes.count
        assert(count + n <= capacity, "ByteSink.put: no room reserved")
        let to = UnsafeMutableRawPointer(base + count)
        let from = UnsafeRawPointer(source)
        // Short texts (most field values and literals) as two overlapping
        // words, without a call to memcpy; both stay inside the `n` bytes.
        if n >= 8 && n <= 16 {
            let head = from.loadUnaligned(as: UInt64.self)
            let tail = from.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 && n < 8 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: n &- 4, as: UInt32.self)
        } else {
            (base + count).update(from: source, count: n)
        }
        count &+= n
    }

    /// Stores the eight bytes of `word` (as loaded from memory) and counts
    /// the first `keeping` of them as written; room for eight was reserved.
    @inline(__always)
    mutating func put(word: UInt64, keeping: Int) {
        assert(count + 8 <= capacity && keeping <= 8, "ByteSink.put(word:): no room reserved for eight bytes")
        UnsafeMutableRawPointer(base + count).storeBytes(of: word, as: UInt64.self)
        count &+= keeping
    }

    /// Lets `body` store bytes at the end (room reserved by the caller) and
    /// counts the number it returns as written.
    @inline(__always)
    mutating func writeUnchecked(_ body: (UnsafeMutablePointer<UInt8>) -> Int) -> Int {
        let n = body(base + count)
        assert(n >= 0 && count + n <= capacity, "ByteSink.writeUnchecked: wrote past the room reserved")
        count &+= n
        return n
    }

    // Checked appends.

    @inline(__always)
    mutating func append(_ b: UInt8) {
        reserve(1)
        put(b)
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        put(bytes)
    }

    @inline(__always)
    mutating func append(_ s: StaticString) {
        s.withUTF8Buffer { append($0) }
    }

    /// The UTF-8 of a `String` (string literals take the `StaticString`
    /// overload, which copies their bytes without going through `String`).
    /// A native string's bytes are read in place (no copy of the `String`,
    /// so no retain and release); a bridged one through `withUTF8`.
    mutating func append(text s: String) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ append($0) }) { return done }
        var s = s
        s.withUTF8 { append($0) }
    }

    /// An integer in decimal.
    mutating func append(integer n: Int) {
        reserve(20)
        if n < 0 { put(UInt8(ascii: "-")) }
        var v = n.magnitude
        var digits = 1
        var scale: UInt = 1
        while v / scale >= 10 {
            scale &*= 10
            digits &+= 1
        }
        while digits > 0 {
            put(UInt8(truncatingIfNeeded: v / scale) &+ 0x30)
            v %= scale
            scale /= 10
            digits &-= 1
        }
    }
}
