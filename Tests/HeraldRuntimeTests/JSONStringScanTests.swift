import Testing

@testable import HeraldRuntime

/// `JSONReader.scanString` looks at sixteen bytes at a time (SSE2), then
/// eight, and has an inlined path for a short plain string: against a plain
/// byte-by-byte reading of RFC 8259 string contents, for every length up to
/// 40 and every byte value at every position, followed by more of a line
/// or by its end.
@Suite("JSON strings read sixteen bytes at a time")
struct JSONStringScanTests {
    /// Where a byte-by-byte reading of the string at `line[0]` (a quote)
    /// ends: its token and the position after it, or nil for an error.
    static func reference(_ line: [UInt8]) -> (end: Int, escaped: Bool, after: Int)? {
        var i = 1
        var escaped = false
        while i < line.count {
            let b = line[i]
            switch b {
            case 0x22: return (i, escaped, i + 1)
            case 0x5C:
                escaped = true
                guard i + 1 < line.count else { return nil }
                let e = line[i + 1]
                if Array("\"\\/bfnrt".utf8).contains(e) {
                    i += 2
                } else if e == UInt8(ascii: "u") {
                    guard i + 5 < line.count, line[(i + 2)...(i + 5)].allSatisfy({ JSONReader.hexValue($0) != nil }) else { return nil }
                    i += 6
                } else {
                    return nil
                }
            case 0..<0x20: return nil
            case 0x20..<0x80: i += 1
            default:
                // The bytes around are ASCII: a lone byte of 0x80 or more is never valid UTF-8.
                return nil
            }
        }
        return nil
    }

    static func scan(_ line: [UInt8]) -> (end: Int, escaped: Bool, after: Int)? {
        line.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            guard let token = try? reader.scanString() else { return nil }
            #expect(token.start == 1)
            return (token.end, token.escaped, reader.position)
        }
    }

    @Test("every byte value at every position of strings up to 40 bytes, with more of the line after or not")
    func everyByteEverywhere() {
        for tail in [Array(#"", "x": 1}"#.utf8), Array(#"""#.utf8)] {
            for length in 0...40 {
                let plain = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                let base = [UInt8(ascii: "\"")] + plain + tail
                #expect(Self.scan(base)?.end == length + 1)
                for position in 0..<length {
                    for value in 0...255 {
                        var line = base
                        line[1 + position] = UInt8(value)
                        let expected = Self.reference(line), got = Self.scan(line)
                        if expected?.end != got?.end || expected?.escaped != got?.escaped || expected?.after != got?.after {
                            Issue.record("length \(length), byte 0x\(String(value, radix: 16)) at \(position): \(String(describing: got)), expected \(String(describing: expected))")
                        }
                    }
                }
            }
        }
    }

    @Test("multi-byte UTF-8 is stepped over wherever it falls; a string cut short is an error")
    func utf8AndUnterminated() {
        for offset in 0..<34 {
            for character in ["é", "€", "😀"] {
                let text = String(repeating: "a", count: offset) + character + String(repeating: "b", count: 33 - offset)
                let line = Array(("\"" + text + "\", \"x\": 1}").utf8)
                #expect(Self.scan(line)?.end == 1 + text.utf8.count)
                #expect(Self.scan(line)?.escaped == false)
            }
            let open = Array(("\"" + String(repeating: "a", count: offset)).utf8)
            #expect(Self.scan(open) == nil)
        }
    }
}
