import CByteScan

/// Why a line is not JSON (RFC 8259), with the byte offset where reading stopped.
struct JSONSyntaxError: Error, Sendable {
    /// 0-based byte offset in the line.
    var offset: Int
    /// What was wrong.
    var message: String
}

/// The kind of a JSON value, for "got …" messages.
enum JSONValueKind: Sendable {
    case object, array, string, number, bool, null
}

/// A strict, allocation-free JSON scanner over UTF-8 bytes (RFC 8259).
///
/// It never reads outside `bytes`, rejects invalid UTF-8, control characters
/// in strings, bad escapes, leading zeros, trailing garbage and nesting
/// deeper than `maxDepth`. Lone surrogate escapes are accepted and decode to
/// U+FFFD. Callers drive it value by value, so a schema-aware decoder can read
/// the fields it knows and skip the others while still checking them.
struct JSONReader {
    /// Deepest nesting accepted (objects and arrays).
    static let maxDepth = 128

    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The byte at `position`, or 0 at the end (0 is never valid between tokens).
    @inline(__always)
    var current: UInt8 { position < bytes.count ? bytes[position] : 0 }

    @inline(__always)
    var atEnd: Bool { position >= bytes.count }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) or fails with `expected`.
    @inline(__always)
    mutating func expect(_ byte: UInt8, _ expected: String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard current == byte, !atEnd else { throw error("expected \(expected)\(foundDescription)") }
        position += 1
    }

    /// ", found X" for messages.
    var foundDescription: String {
        guard position < bytes.count else { return " at end of line" }
        let b = bytes[position]
        if b >= 0x21 && b < 0x7F { return ", found '\(Character(Unicode.Scalar(b)))'" }
        return ", found byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    /// The kind of the value starting at `position` (after whitespace), or nil.
    mutating func peekKind() -> JSONValueKind? {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return nil
        }
    }

    /// Checks that only whitespace follows.
    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        guard atEnd else { throw error("unexpected data after the JSON value\(foundDescription)") }
    }

    // MARK: Objects

    /// Consumes `{` and reports whether the object is empty (then `}` is consumed too).
    mutating func beginObject() throws(JSONSyntaxError) -> Bool {
        try expect(UInt8(ascii: "{"), "'{'")
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return true
        }
        return false
    }

    /// Reads a member name and the `:` after it.
    mutating func readKey() throws(JSONSyntaxError) -> JSONStringToken {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes\(foundDescription)") }
        let token = try scanString()
        try expect(UInt8(ascii: ":"), "':' after a member name")
        return token
    }

    /// After a member value: consumes `,` (returns false) or `}` (returns true).
    mutating func endOfMember() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","):
            position += 1
            return false
        case UInt8(ascii: "}") where !atEnd:
            position += 1
            return true
        default:
            throw error("expected ',' or '}' in an object\(foundDescription)")
        }
    }

    // MARK: Scalars

    /// Scans the string at `position` (which must be `"`), validating UTF-8
    /// and escapes, and returns where its contents are.
    @inline(__always)
    mutating func scanString() throws(JSONSyntaxError) -> JSONStringToken {
        // The usual string, inlined: plain ASCII closed within the next
        // sixteen bytes (the first byte to look at is the closing quote).
        let start = position &+ 1
        if bytes.count &- start >= 16, let base = bytes.baseAddress {
            let plain = herald_string_attention16(base + start, 16)
            if plain < 16 && base[start &+ plain] == UInt8(ascii: "\"") {
                position = start &+ plain &+ 1
                return JSONStringToken(start: start, end: start &+ plain, escaped: false)
            }
        }
        return try scanAnyString()
    }

    /// `scanString` for any string.
    mutating func scanAnyString() throws(JSONSyntaxError) -> JSONStringToken {
        position += 1  // opening quote
        let start = position
        var escaped = false
        let n = bytes.count
        while position < n {
            if let base = bytes.baseAddress {
                // Sixteen bytes at a time (SSE2) up to the first one to
                // look at; when none is there, the rest (or, without SSE2,
                // all) eight plain ASCII bytes at a time (no quote,
                // backslash, control or non-ASCII byte).
                let left = n &- position
                let plain = herald_string_attention16(base + position, left)
                position &+= plain
                if plain == left & ~15 {
                    while n &- position >= 8 {
                        let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                        let attention = JSONReader.attention(word)
                        if attention != 0 {
                            // The lowest flagged byte is exact: step to it.
                            position &+= attention.trailingZeroBitCount >> 3
                            break
                        }
                        position &+= 8
                    }
                }
                guard position < n else { break }
            }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let token = JSONStringToken(start: start, end: position, escaped: escaped)
                position += 1
                return token
            }
            if b == UInt8(ascii: "\\") {
                escaped = true
                position += 1
                guard position < n else { break }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    position += 1
                    for _ in 0..<4 {
                        guard position < n, JSONReader.hexValue(bytes[position]) != nil else {
                            throw error("invalid \\u escape in a string")
                        }
                        position += 1
                    }
                default:
                    throw error("invalid escape in a string")
                }
                continue
            }
            if b < 0x20 { throw error("unescaped control character in a string") }
            if b < 0x80 {
                position += 1
                continue
            }
            try skipUTF8Sequence()
        }
        position = n
        throw error("unterminated string")
    }

    /// The high bit set in each byte of `word` (read little-endian) that
    /// is a quote, a backslash, below 0x20 or (when flagged) not ASCII; bits above the
    /// lowest set one may be spurious. Zero means eight bytes of plain
    /// string contents.
    @inline(__always)
    static func attention(_ word: UInt64, flaggingNonASCII: Bool = true) -> UInt64 {
        let word = UInt64(littleEndian: word)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let q = word ^ (ones &* 0x22)
        let quote = (q &- ones) & ~q & highs
        let s = word ^ (ones &* 0x5C)
        let slash = (s &- ones) & ~s & highs
        return control | quote | slash | (flaggingNonASCII ? word & highs : 0)
    }

    /// Validates one multi-byte UTF-8 sequence at `position` and steps over it.
    mutating func skipUTF8Sequence() throws(JSONSyntaxError) {
        let b0 = bytes[position]
        let n = bytes.count
        func cont(_ i: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            i < n && bytes[i] >= lo && bytes[i] <= hi
        }
        let p = position
        switch b0 {
        case 0xC2...0xDF:
            guard cont(p + 1) else { break }
            position += 2
            return
        case 0xE0:
            guard cont(p + 1, 0xA0, 0xBF), cont(p + 2) else { break }
            position += 3
            return
        case 0xE1...0xEC, 0xEE...0xEF:
            guard cont(p + 1), cont(p + 2) else { break }
            position += 3
            return
        case 0xED:
            guard cont(p + 1, 0x80, 0x9F), cont(p + 2) else { break }
            position += 3
            return
        case 0xF0:
            guard cont(p + 1, 0x90, 0xBF), cont(p + 2), cont(p + 3) else { break }
            position += 4
            return
        case 0xF1...0xF3:
            guard cont(p + 1), cont(p + 2), cont(p + 3) else { break }
            position += 4
            return
        case 0xF4:
            guard cont(p + 1, 0x80, 0x8F), cont(p + 2), cont(p + 3) else { break }
            position += 4
            return
        default:
            break
        }
        throw error("invalid UTF-8")
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Scans a number per RFC 8259 and returns its byte range and whether it
    /// has neither fraction nor exponent.
    mutating func scanNumber() throws(JSONSyntaxError) -> (start: Int, end: Int, isInteger: Bool) {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        func digit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard position < bytes.count, digit(bytes[position]) else { throw error("invalid number") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, digit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, digit(bytes[position]) else { throw error("invalid number: digits expected after '.'") }
            while position < bytes.count, digit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, digit(bytes[position]) else { throw error("invalid number: digits expected in the exponent") }
            while position < bytes.count, digit(bytes[position]) { position += 1 }
        }
        return (start, position, isInteger)
    }

    /// Consumes `true`, `false` or `null` (whichever `word` is).
    mutating func scanLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        let ok = word.withUTF8Buffer { w -> Bool in
            guard position + count <= bytes.count else { return false }
            for i in 0..<count where bytes[position + i] != w[i] { return false }
            return true
        }
        guard ok else { throw error("invalid literal") }
        position += count
    }

    /// Reads `true` / `false` at `position`.
    mutating func scanBool() throws(JSONSyntaxError) -> Bool {
        // Four bytes compared as one word (`true`, or `alse` after the `f`).
        let p = position
        if p &+ 4 <= bytes.count, let base = bytes.baseAddress {
            let word = UnsafeRawPointer(base + p).loadUnaligned(as: UInt32.self)
            if word == JSONReader.trueWord {
                position = p &+ 4
                return true
            }
            if p &+ 5 <= bytes.count, bytes[p] == UInt8(ascii: "f"),
                UnsafeRawPointer(base + (p &+ 1)).loadUnaligned(as: UInt32.self) == JSONReader.alseWord
            {
                position = p &+ 5
                return false
            }
        }
        if current == UInt8(ascii: "t") {
            try scanLiteral("true")
            return true
        }
        try scanLiteral("false")
        return false
    }

    /// `true` and `alse` as words loaded from memory.
    private static var trueWord: UInt32 { UInt32(littleEndian: 0x6575_7274) }
    private static var alseWord: UInt32 { UInt32(littleEndian: 0x6573_6C61) }

    // MARK: Any value

    /// Checks and steps over one value of any kind.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"):
            guard depth < JSONReader.maxDepth else { throw error("nesting deeper than \(JSONReader.maxDepth) levels") }
            if try beginObject() { return }
            while true {
                _ = try readKey()
                try skipValue(depth: depth + 1)
                if try endOfMember() { return }
            }
        case UInt8(ascii: "["):
            guard depth < JSONReader.maxDepth else { throw error("nesting deeper than \(JSONReader.maxDepth) levels") }
            position += 1
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]") where !atEnd:
                    position += 1
                    return
                default: throw error("expected ',' or ']' in an array\(foundDescription)")
                }
            }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try scanBool()
        case UInt8(ascii: "n"):
            try scanLiteral("null")
        default:
            throw error(atEnd ? "expected a value at end of line" : "expected a value\(foundDescription)")
        }
    }
}

/// Where a scanned string's contents are in the input.
struct JSONStringToken: Sendable {
    /// First byte after the opening quote.
    var start: Int
    /// The closing quote.
    var end: Int
    /// Whether the contents contain escapes (and so need decoding).
    var escaped: Bool

    /// Byte length of the raw contents.
    var rawCount: Int { end - start }
}

extension JSONReader {
    /// Decodes a scanned string into a Swift `String`.
    func string(_ token: JSONStringToken) -> String {
        guard token.escaped else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
        }
        return String(decoding: unescapedBytes(token), as: UTF8.self)
    }

    /// The contents of an escaped string with its escapes resolved, as UTF-8.
    func unescapedBytes(_ token: JSONStringToken) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.rawCount)
        var i = token.start
        let end = token.end
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in 0..<4 { v = v << 4 | (JSONReader.hexValue(bytes[at + k]) ?? 0) }
            return v
        }
        func append(scalar v: UInt32) {
            let v = Unicode.Scalar(v).map(\.value) ?? 0xFFFD
            switch v {
            case 0..<0x80:
                out.append(UInt8(v))
            case 0x80..<0x800:
                out.append(UInt8(0xC0 | (v >> 6)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            case 0x800..<0x10000:
                out.append(UInt8(0xE0 | (v >> 12)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            default:
                out.append(UInt8(0xF0 | (v >> 18)))
                out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (v & 0x3F)))
            }
        }
        while i < end {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\"), i + 1 < end else {
                out.append(b)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u") where i + 4 <= end:
                let u = hex4(i)
                i += 4
                if u >= 0xD800 && u <= 0xDBFF {
                    // A high surrogate must be followed by an escaped low one.
                    if i + 6 <= end, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        let low = hex4(i + 2)
                        if low >= 0xDC00 && low <= 0xDFFF {
                            i += 6
                            append(scalar: 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                            continue
                        }
                    }
                    append(scalar: 0xFFFD)
                } else if u >= 0xDC00 && u <= 0xDFFF {
                    append(scalar: 0xFFFD)
                } else {
                    append(scalar: u)
                }
            default: out.append(e)  // \" \\ \/
            }
        }
        return out
    }

    /// Whether the raw (unescaped) contents of `token` equal `name`'s bytes.
    @inline(__always)
    func rawEquals(_ token: JSONStringToken, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !token.escaped, token.rawCount == name.count else { return false }
        var i = 0
        while i < name.count {
            if bytes[token.start + i] != name[i] { return false }
            i += 1
        }
        return true
    }

    /// A short rendering of the raw value in `start..<end` for messages.
    func snippet(_ start: Int, _ end: Int) -> String {
        let limit = 40
        let upper = min(end, start + limit)
        var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<upper]), as: UTF8.self)
        if upper < end { text += "…" }
        return text
    }
}
