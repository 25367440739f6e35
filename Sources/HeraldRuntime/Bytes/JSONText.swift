import CByteScan
/// JSON string literals written into a `ByteSink`.
enum JSONText {
    /// `,"name":"value"`
    @inline(__always)
    static func member(_ name: StaticString, _ value: String, to w: inout ByteSink) {
        w.reserve(name.utf8CodeUnitCount + 4)
        w.put(UInt8(ascii: ","))
        w.put(UInt8(ascii: "\""))
        name.withUTF8Buffer { w.put($0) }
        w.put(UInt8(ascii: "\""))
        w.put(UInt8(ascii: ":"))
        string(value, to: &w)
    }

    /// A JSON string literal of a string.
    @inline(__always)
    static func string(_ s: String, to w: inout ByteSink) {
        if let done: Void = s.utf8.withContiguousStorageIfAvailable({ string($0, to: &w) }) { return done }
        var s = s
        s.withUTF8 { string($0, to: &w) }
    }

    @inline(__always)
    private static func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    /// Whether `utf8` has no byte a JSON string literal escapes (quote,
    /// backslash, control character): then each text in it is written as
    /// it is, between quotes (`plainString`). One pass, a word at a time.
    static func isPlain(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = utf8.baseAddress else { return true }
        let raw = UnsafeRawPointer(p)
        let n = utf8.count
        // Sixteen bytes at a time (SSE2), the rest a word at a time.
        if herald_escapes_in16(p, n) != 0 { return false }
        var i = herald_scans_by16() != 0 ? n & ~15 : 0
        var flags: UInt64 = 0
        while n &- i >= 8 {
            flags |= JSONReader.attention(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), flaggingNonASCII: false)
            i &+= 8
        }
        let left = n &- i
        if left > 0 {
            // The zero bytes above the last ones are flagged as control
            // bytes: only the flags of the `left` real ones count.
            let word = (raw + i).loadShortWord(count: left).littleEndian
            flags |= JSONReader.attention(word, flaggingNonASCII: false) & (UInt64.max >> UInt64(64 &- 8 &* left))
        }
        return flags == 0
    }

    /// A JSON string literal of UTF-8 bytes that need no escapes (`isPlain`).
    @inline(__always)
    static func plainString(_ utf8: UnsafeBufferPointer<UInt8>, to w: inout ByteSink) {
        w.reserve(utf8.count &+ 2)
        w.put(UInt8(ascii: "\""))
        w.put(utf8)
        w.put(UInt8(ascii: "\""))
    }

    /// A JSON string literal of UTF-8 bytes: quotes, backslashes and control
    /// characters escaped, everything else as is.
    static func string(_ utf8: UnsafeBufferPointer<UInt8>, to w: inout ByteSink) {
        let n = utf8.count
        // Room for every byte escaped as \u00XX, the quotes, and a whole
        // word stored past the last byte (`put(word:keeping:)`).
        w.reserve(6 &* n &+ 10)
        w.put(UInt8(ascii: "\""))
        guard let p = utf8.baseAddress else {
            w.put(UInt8(ascii: "\""))
            return
        }
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i < n {
            let left = n &- i
            if left >= 8 {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let attention = JSONReader.attention(word, flaggingNonASCII: false)
                let plain = attention == 0 ? 8 : attention.trailingZeroBitCount >> 3
                // Stores the whole word (room was reserved) and keeps its plain bytes.
                w.put(word: word, keeping: plain)
                i &+= plain
                if plain == 8 { continue }
            } else {
                // The last bytes (fewer than eight) as one word, zero above
                // them; a zero byte is flagged like any control byte, so the
                // first flag at or past `left` means they are all plain.
                let word = (raw + i).loadShortWord(count: left).littleEndian
                let attention = JSONReader.attention(word, flaggingNonASCII: false)
                let plain = min(left, attention.trailingZeroBitCount >> 3)
                w.put(word: word, keeping: plain)
                i &+= plain
                if plain == left { break }
            }
            let b = p[i]
            i &+= 1
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                w.put(b)
                continue
            }
            w.put(0x5C)
            switch b {
            case UInt8(ascii: "\""): w.put(0x22)
            case UInt8(ascii: "\\"): w.put(0x5C)
            case 0x0A: w.put(UInt8(ascii: "n"))
            case 0x0D: w.put(UInt8(ascii: "r"))
            case 0x09: w.put(UInt8(ascii: "t"))
            case 0x08: w.put(UInt8(ascii: "b"))
            case 0x0C: w.put(UInt8(ascii: "f"))
            default:
                w.put(UInt8(ascii: "u"))
                w.put(0x30)
                w.put(0x30)
                w.put(hex(b >> 4))
                w.put(hex(b & 0xF))
            }
        }
        w.put(UInt8(ascii: "\""))
    }
}
