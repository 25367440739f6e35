import HeraldCompiler
import Testing

@Suite("SMS segments (SPEC §4)")
struct LanguagesSMSTests {
    static func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

    static let counts: [(String, Int)] = [
            ("", 0),
            ("a", 1),
            (repeated("a", 160), 1), (repeated("a", 161), 2),
            (repeated("a", 306), 2), (repeated("a", 307), 3), (repeated("a", 459), 3), (repeated("a", 460), 4),
            // Extension characters count twice.
            (repeated("€", 80), 1), (repeated("€", 81), 2),
            (repeated("a", 159) + "{", 2), (repeated("a", 158) + "{", 1),
            (repeated("a", 158) + "^", 1), (repeated("[", 80) + "a", 2),
            // Basic-set accents stay GSM-7.
            (repeated("é", 160), 1), (repeated("Ç", 161), 2),
            // Any other character makes the text UCS-2, in UTF-16 code units.
            (repeated("ç", 70), 1), (repeated("ç", 71), 2),
            (repeated("a", 69) + "á", 1), (repeated("a", 70) + "á", 2),
            (repeated("ç", 134), 2), (repeated("ç", 135), 3),
            // An emoji is two UTF-16 code units.
            (repeated("😀", 35), 1), (repeated("😀", 36), 2),
            (repeated("a", 100) + "ç", 2),
        ]

    @Test("segment counts at the GSM-7 and UCS-2 boundaries", arguments: counts)
    func count(text: String, segments: Int) {
        #expect(SMSSegments.count(text) == segments)
    }

    @Test(
        "the GSM 03.38 basic set and extension table are GSM-7",
        arguments: Array(
            "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\u{0C}"
                .unicodeScalars.map { String($0) }))
    func gsm(character: String) {
        #expect(SMSSegments.isGSM7(character))
    }

    @Test(
        "characters outside the GSM 03.38 tables are not GSM-7",
        arguments: ["ç", "á", "ã", "õ", "í", "ó", "ú", "â", "ê", "Ê", "`", "\t", "😀", "ő", "€€ç", "\u{1B}", "«", "’", "\u{A0}"])
    func notGSM(text: String) {
        #expect(!SMSSegments.isGSM7(text))
    }

    @Test("extension characters take two septets")
    func septets() {
        #expect(SMSSegments.septetCount("a{b}€") == 8)
        #expect(SMSSegments.septetCount("ç") == nil)
    }
}
