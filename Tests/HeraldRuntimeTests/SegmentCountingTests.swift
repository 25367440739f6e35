import HeraldCompiler
import HeraldModel
import HeraldRuntime
import HeraldTestSupport
import Testing

private typealias S = EngineSupport

/// SPEC §4's SMS segment count, added up piece by piece while a body is
/// rendered (literal parts counted when compiled, values byte by byte),
/// agrees with the count of the whole text, whatever the mix of
/// characters and where they fall.
@Suite("SMS segments counted while rendering")
struct SegmentCountingTests {
    /// Each character that is not a plain letter, digit or common sign,
    /// at each of sixteen places in a run of letters, in a body whose
    /// length puts the count on a segment boundary: 3 + 156 + 1 septets
    /// is one segment (two if the character were an extension one), 3 +
    /// 156 + 2 is two (one if it were counted as basic); 3 + 71 + 1 is
    /// one GSM segment or two UCS-2 ones. So a character counted wrongly
    /// changes the segment count.
    @Test("each special character at sixteen places in a run of letters, on a segment boundary: the same count as SMSSegments.count")
    func specialCharactersOnBoundaries() {
        let runtime = S.runtime(rules: "  - id: r\n    on: work_order.status_changed\n    channel: sms\n    template: t\n")
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !\"#$%&'()*+,-./:;<=>?@")
        var specials: [Character] = (1...127).map { Character(Unicode.Scalar(UInt8($0))) }.filter { !plain.contains($0) }
        specials += ["é", "€", "Ç", "ñ", "Δ", "😀", "\u{0301}", "ß"]
        var lines: [String] = []
        for special in specials {
            for place in 0..<16 {
                for length in [71, 156] {
                    let letters = (0..<length).map { i in Character(Unicode.Scalar(UInt8(0x61 + i % 26))) }
                    var text = String(letters)
                    text.insert(special, at: text.index(text.startIndex, offsetBy: place))
                    lines.append(S.event("s\(lines.count)", workOrder: ["number": text]))
                }
            }
        }
        let sends = S.run(runtime, lines).filter { $0.decision == .send }
        #expect(sends.count == lines.count)
        for record in sends {
            #expect(record.segments == SMSSegments.count(record.body ?? ""), "\(record.body ?? "")")
        }
        // The boundaries are where the test means them to be.
        #expect(Set(sends.compactMap(\.segments)).isSuperset(of: [1, 2]))
    }

    @Test("every ASCII character and some non-GSM ones, at every place in a run of letters: the same count as SMSSegments.count")
    func mixedText() {
        let runtime = S.runtime(rules: "  - id: r\n    on: work_order.status_changed\n    channel: sms\n    template: t\n")
        var generator = SeededGenerator(seed: 42)
        let plain = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:-@$%")
        let others: [Character] = ["é", "€", "Ç", "😀", "ñ", "ü", "Δ", "\u{0301}", "ß", "¡"]
        var lines: [String] = []
        for k in 0..<600 {
            var text = ""
            for _ in 0..<Int(generator.next() % 8) {
                // A run of plain characters, then one of any kind.
                for _ in 0..<Int(generator.next() % 13) { text.append(plain[Int(generator.next() % UInt64(plain.count))]) }
                if generator.next() % 4 == 0 {
                    text.append(others[Int(generator.next() % UInt64(others.count))])
                } else {
                    // Any ASCII character but NUL: controls, `[\]^{|}~`, backquote, `_`, DEL.
                    text.append(Character(Unicode.Scalar(UInt8(1 + generator.next() % 127))))
                }
            }
            lines.append(S.event("e\(k)", workOrder: ["number": text]))
        }
        let sends = S.run(runtime, lines).filter { $0.decision == .send }
        #expect(sends.count > 500)
        for record in sends {
            #expect(record.segments == SMSSegments.count(record.body ?? ""), "\(record.body ?? "")")
        }
        // Long plain runs and every special character were rendered.
        let bodies = sends.compactMap(\.body).joined()
        #expect(bodies.contains { "[\\]^`{|}~_".contains($0) })
        #expect(sends.contains { ($0.body ?? "").utf8.count > 60 })
    }
}
