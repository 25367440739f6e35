/// SMS segment counting (docs/rule-language.md §4).
///
/// Text made only of the GSM 03.38 default alphabet (basic set) and its
/// extension table is sent as GSM-7: each basic character is one septet, each
/// extension character (`^ { } \ [ ~ ] | €` and form feed) two; one segment
/// holds 160 septets, a concatenated message 153 per segment. Any other text
/// is sent as UCS-2, counted in UTF-16 code units: one segment holds 70, a
/// concatenated message 67 per segment.
public enum SMSSegments {
    /// The number of segments `text` needs (0 for empty text).
    public static func count(_ text: String) -> Int {
        segments(septets: septetCount(text), utf16Units: text.utf16.count)
    }

    /// The number of segments of a text of `septets` GSM-7 septets (nil when
    /// it is not GSM-7) and `utf16Units` UTF-16 code units; 0 for empty text.
    /// Shared with the runtime, which counts while it renders.
    public static func segments(septets: Int?, utf16Units: Int) -> Int {
        if let septets {
            if septets == 0 { return 0 }
            return septets <= 160 ? 1 : (septets + 152) / 153
        }
        return utf16Units <= 70 ? 1 : (utf16Units + 66) / 67
    }

    /// Whether `text` can be sent as GSM-7 (basic set and extension table only).
    public static func isGSM7(_ text: String) -> Bool {
        septetCount(text) != nil
    }

    /// The number of GSM-7 septets `text` needs, or nil when it has a
    /// character outside the GSM 03.38 basic set and extension table.
    public static func septetCount(_ text: String) -> Int? {
        var n = 0
        for c in text.unicodeScalars {
            switch weight(c) {
            case 1: n += 1
            case 2: n += 2
            default: return nil
            }
        }
        return n
    }

    /// 1 for a basic-set character, 2 for an extension character, 0 otherwise.
    static func weight(_ c: Unicode.Scalar) -> UInt8 {
        weight(scalarValue: c.value)
    }

    /// The GSM 03.38 weight of a Unicode scalar value: 1 for a basic-set
    /// character, 2 for an extension character, 0 for one outside both (the
    /// one table behind every segment count, the runtime's included).
    public static func weight(scalarValue v: UInt32) -> UInt8 {
        if v < 0x80 { return asciiWeights[Int(v)] }
        switch v {
        // Basic set, non-ASCII: £ ¥ è é ù ì ò Ç Ø ø Å å Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à
        case 0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
            0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
            0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
            0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0:
            return 1
        // Extension table: €
        case 0x20AC:
            return 2
        default:
            return 0
        }
    }

    /// Weights of the ASCII range: the basic set holds LF, CR, space and the
    /// printable ASCII characters except `` ` `` and the extension ones;
    /// `[ \ ] ^ { | } ~` and form feed are in the extension table. (`$`, `@`
    /// and `_` are in the basic set, at other code points than in ASCII.)
    private static let asciiWeights: [UInt8] = {
        var w = [UInt8](repeating: 0, count: 128)
        w[0x0A] = 1  // line feed
        w[0x0D] = 1  // carriage return
        w[0x0C] = 2  // form feed (extension table)
        for v in 0x20...0x7E { w[v] = 1 }
        w[0x60] = 0  // ` is not in GSM 03.38
        for c in "[\\]^{|}~".unicodeScalars { w[Int(c.value)] = 2 }
        return w
    }()
}
