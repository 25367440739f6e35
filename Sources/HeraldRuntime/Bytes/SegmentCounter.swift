import HeraldModel

/// Running totals of the SMS segment count (docs/rule-language.md §4) of text written so far:
/// GSM-7 septets while every character is in the GSM 03.38 basic set or its
/// extension table, UTF-16 code units always. Same rules as
/// `SMSSegments.count`, added up piece by piece while a body is rendered.
struct SegmentCounter: Sendable, Hashable {
    var septets = 0
    var utf16 = 0
    var gsm = true

    /// The number of segments of the text counted (0 for empty text).
    var segments: Int {
        SMSSegments.segments(septets: gsm ? septets : nil, utf16Units: utf16)
    }

    mutating func add(_ other: SegmentCounter) {
        septets &+= other.septets
        utf16 &+= other.utf16
        gsm = gsm && other.gsm
    }

    /// Counts UTF-8 `bytes` (valid UTF-8: they come from Swift strings).
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        // The table is fetched once: a static read in the loop went through
        // `swift_once` for every byte.
        SegmentCounter.asciiWeights.withUnsafeBufferPointer { weights in add(bytes, asciiWeights: weights) }
    }

    private mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, asciiWeights: UnsafeBufferPointer<UInt8>) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                let w = asciiWeights[Int(b)]
                if w == 0 { gsm = false }
                septets &+= Int(w)
                utf16 &+= 1
                i += 1
                continue
            }
            // Multi-byte scalar: decode it.
            var scalar: UInt32
            var length: Int
            if b & 0xE0 == 0xC0 {
                scalar = UInt32(b & 0x1F)
                length = 2
            } else if b & 0xF0 == 0xE0 {
                scalar = UInt32(b & 0x0F)
                length = 3
            } else {
                scalar = UInt32(b & 0x07)
                length = 4
            }
            var k = 1
            while k < length, i + k < n {
                scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F)
                k += 1
            }
            i += length
            utf16 &+= scalar >= 0x10000 ? 2 : 1
            let w = SegmentCounter.weight(nonASCII: scalar)
            if w == 0 { gsm = false }
            septets &+= Int(w)
        }
    }

    /// 1 for a basic-set character, 2 for an extension character, 0 otherwise
    /// (`SMSSegments`' table, the only one).
    static func weight(nonASCII v: UInt32) -> UInt8 {
        SMSSegments.weight(scalarValue: v)
    }

    /// The ASCII part of `SMSSegments`' table, copied once into a local
    /// array for the per-byte loop.
    static let asciiWeights: [UInt8] = (0..<128).map { SMSSegments.weight(scalarValue: UInt32($0)) }
}
