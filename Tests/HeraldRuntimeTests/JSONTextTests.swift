import Foundation
import Testing

@testable import HeraldRuntime

/// `JSONText.string` (word at a time, the last bytes as one word) and
/// `ByteSink.put` (short texts as overlapping words) against plain
/// byte-by-byte references, over every length up to 40 and every kind of
/// byte at every position.
@Suite("JSON text writing")
struct JSONTextTests {
    /// RFC 8259 escaping, one byte at a time, as `JSONText.string` must write it.
    static func reference(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in bytes {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        out.append(0x22)
        return out
    }

    static func written(_ bytes: [UInt8], after prefix: Int) -> [UInt8] {
        var sink = ByteSink(capacity: 64)
        for _ in 0..<prefix { sink.append(UInt8(ascii: "x")) }
        bytes.withUnsafeBufferPointer { JSONText.string($0, to: &sink) }
        return sink.withBytes { Array($0.dropFirst(prefix)) }
    }

    @Test("every length and every special byte at every position is escaped as byte by byte")
    func escapesMatchReference() {
        let specials: [UInt8] = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x1F, 0x22, 0x5C, 0x20, 0x7F, 0xC3, 0xA9]
        var checked = 0
        for length in 0...40 {
            let plain = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            for prefix in [0, 3] {
                #expect(Self.written(plain, after: prefix) == Self.reference(plain), "plain, length \(length)")
            }
            for position in 0..<length {
                for special in specials {
                    var bytes = plain
                    bytes[position] = special
                    let got = Self.written(bytes, after: position % 5)
                    if got != Self.reference(bytes) {
                        Issue.record("length \(length), byte 0x\(String(special, radix: 16)) at \(position)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test("put copies texts of every length exactly, after any count already written")
    func putCopiesExactly() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            for prefix in 0..<9 {
                var sink = ByteSink(capacity: 64)
                for _ in 0..<prefix { sink.append(0xEE) }
                bytes.withUnsafeBufferPointer { sink.append($0) }
                sink.append(0xDD)
                let got = sink.withBytes { Array($0) }
                #expect(got == [UInt8](repeating: 0xEE, count: prefix) + bytes + [0xDD], "length \(length), after \(prefix)")
            }
        }
    }

    @Test("isPlain: false exactly when a byte would be escaped, for every length and every byte value at every position")
    func plainMatchesReference() {
        for length in 0...40 {
            let plain = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            // In a larger buffer, so the bytes after the text are not zero.
            let padded = plain + [0x00, 0x22, 0x5C]
            #expect(padded.withUnsafeBufferPointer { JSONText.isPlain(UnsafeBufferPointer(rebasing: $0[..<length])) })
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = padded
                    bytes[position] = UInt8(value)
                    let expected = !(value < 0x20 || value == 0x22 || value == 0x5C)
                    let got = bytes.withUnsafeBufferPointer { JSONText.isPlain(UnsafeBufferPointer(rebasing: $0[..<length])) }
                    if got != expected { Issue.record("length \(length), byte 0x\(String(value, radix: 16)) at \(position)") }
                    if expected {
                        // Plain: written between quotes, it is what escaping writes.
                        let text = Array(bytes[..<length])
                        var sink = ByteSink(capacity: 64)
                        text.withUnsafeBufferPointer { JSONText.plainString($0, to: &sink) }
                        if sink.withBytes({ Array($0) }) != Self.reference(text) { Issue.record("plain write, length \(length)") }
                    }
                }
            }
        }
    }

    @Test("a send whose texts hold a byte to escape writes each text escaped, the others as they are")
    func recordWithOneEscapedText() throws {
        let record = DecisionRecord(
            event: "e1", decision: .send, rule: "r", channel: .email,
            texts: RecordTexts(
                to: "a@example.com", sendAt: "2026-04-07T13:00:00-03:00", key: "r/e1/email", subject: "Olá \"você\"",
                body: "linha 1\nlinha 2\t\u{1}", html: nil),
            sendAtSeconds: 0, replyTo: nil, attachments: nil, segments: nil, late: false)
        let line = record.jsonLine
        #expect(line.contains(#","subject":"Olá \"você\"""#))
        #expect(line.contains(#","body":"linha 1\nlinha 2\t\u0001""#))
        #expect(line.contains(#","to":"a@example.com","send_at":"2026-04-07T13:00:00-03:00","key":"r/e1/email""#))
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(parsed?["body"] as? String == "linha 1\nlinha 2\t\u{1}")
    }
}
