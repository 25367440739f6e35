extension UnsafeRawPointer {
    /// The `count` (1 to 7) bytes here as a number whose lowest byte is the
    /// first (the value a little-endian load of them would have), zero
    /// above them; reads only those bytes. Shared by the word-at-a-time
    /// code in `Bytes/` for what is left of a text after its whole words.
    @inline(__always)
    func loadShortWord(count: Int) -> UInt64 {
        if count >= 4 {
            // Two overlapping halves; the shared bytes land on themselves.
            let low = UInt64(UInt32(littleEndian: loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)))
            return low | high << UInt64((count &- 4) &* 8)
        }
        let b = assumingMemoryBound(to: UInt8.self)
        return UInt64(b[0]) | UInt64(b[count >> 1]) << UInt64((count >> 1) &* 8)
            | UInt64(b[count &- 1]) << UInt64((count &- 1) &* 8)
    }
}
