/// Character classes and small scanners shared by the sub-language parsers.
/// Everything works on `[Unicode.Scalar]` with integer indices, so positions
/// are Unicode-scalar indices into the text that was given (what `LocalIssue`
/// carries).
enum ScalarLexing {
    /// `A`–`Z`, `a`–`z`, `_`: may start an identifier.
    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
    }

    /// Identifier start or an ASCII digit.
    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || isDigit(c)
    }

    /// `0`–`9`.
    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.value >= 0x30 && c.value <= 0x39
    }

    /// Space, tab, line feed, carriage return.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r"
    }

    /// The text of `s[from..<to]`, with bounds clamped.
    static func text(_ s: [Unicode.Scalar], _ from: Int, _ to: Int) -> String {
        let a = max(0, min(from, s.count)), b = max(a, min(to, s.count))
        // Most texts asked for are short ASCII (path components, names):
        // their bytes go through the stack, not a heap buffer of their own.
        if b - a <= 64, s[a..<b].allSatisfy({ $0.value < 0x80 }) {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: b - a) { buffer in
                for i in a..<b { buffer[i - a] = UInt8(truncatingIfNeeded: s[i].value) }
                return String(decoding: UnsafeBufferPointer(buffer), as: UTF8.self)
            }
        }
        var builder = TextBuilder(capacity: b - a)
        for i in a..<b { builder.append(s[i]) }
        return builder.string
    }

    /// The Unicode scalars of `text`, read in one pass (`Array(text.unicodeScalars)`
    /// counts them first, then copies them).
    static func scalars(of text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { scalars.append(scalar) }
        return scalars
    }

    /// Builds a `String` from scalars through UTF-8 bytes (much faster than
    /// appending to a `String.UnicodeScalarView`).
    struct TextBuilder {
        private var bytes: [UInt8] = []

        init(capacity: Int = 0) {
            bytes.reserveCapacity(capacity)
        }

        var isEmpty: Bool { bytes.isEmpty }

        mutating func append(_ c: Unicode.Scalar) {
            if c.value < 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: c.value))
            } else {
                for unit in UTF8.encode(c) ?? UTF8.EncodedScalar() { bytes.append(unit) }
            }
        }

        mutating func append(_ text: String) {
            bytes.append(contentsOf: text.utf8)
        }

        var string: String { String(decoding: bytes, as: UTF8.self) }

        mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
    }

    /// `text(s, from, to)` shortened to at most `limit` scalars (with `…`),
    /// for quoting operands in messages.
    static func excerpt(_ s: [Unicode.Scalar], _ from: Int, _ to: Int, limit: Int = 40) -> String {
        if to - from <= limit { return text(s, from, to) }
        return text(s, from, from + limit - 1) + "…"
    }

    /// Skips spaces from `i`; returns the first index that is not a space.
    static func skipSpaces(_ s: [Unicode.Scalar], from i: Int) -> Int {
        var j = i
        while j < s.count, isSpace(s[j]) { j += 1 }
        return j
    }

    /// The outcome of scanning a quoted string literal.
    enum StringLiteral {
        /// The decoded value and the index just past the closing quote.
        case value(String, end: Int)
        /// No closing quote before the end of the text.
        case unterminated
        /// A backslash followed by something other than `\`, `"`, `'`, `n`
        /// (the range covers the backslash and the next scalar).
        case badEscape(from: Int, to: Int)
    }

    /// Scans a string literal whose opening quote (`"` or `'`) is at `start`.
    /// Escapes: `\\`, `\"`, `\'`, `\n`.
    static func scanString(_ s: [Unicode.Scalar], at start: Int) -> StringLiteral {
        let quote = s[start]
        var out = TextBuilder()
        var i = start + 1
        while i < s.count {
            let c = s[i]
            if c == quote { return .value(out.string, end: i + 1) }
            if c == "\\" {
                guard i + 1 < s.count else { return .unterminated }
                switch s[i + 1] {
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                case "'": out.append("'")
                case "n": out.append("\n")
                default: return .badEscape(from: i, to: i + 2)
                }
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return .unterminated
    }

    /// A dotted field path scanned from an identifier start.
    struct ScannedPath {
        /// The components, e.g. `["work_order", "status"]`.
        var components: [String]
        /// Index just past the path (including a dangling dot, if any).
        var end: Int
        /// Whether the path ends with a dot that no name follows (`client.`).
        var danglingDot: Bool
    }

    /// Scans `name(.name)*` starting at `start`, which must be an identifier
    /// start. Components after the first may also start with a digit
    /// (`location.vars.2fa`).
    static func scanPath(_ s: [Unicode.Scalar], at start: Int) -> ScannedPath {
        var components: [String] = []
        var i = start
        var componentStart = start
        while true {
            while i < s.count, isIdentifierPart(s[i]) { i += 1 }
            components.append(text(s, componentStart, i))
            guard i < s.count, s[i] == "." else { return ScannedPath(components: components, end: i, danglingDot: false) }
            guard i + 1 < s.count, isIdentifierPart(s[i + 1]) else {
                return ScannedPath(components: components, end: i + 1, danglingDot: true)
            }
            i += 1
            componentStart = i
        }
    }

    /// `; did you mean 'X'?` for the candidate that equals `word` but for
    /// letter case, else for the closest one within edit distance 2, else "".
    static func hint(for word: String, in candidates: [String]) -> String {
        Suggestion.hint(for: word, in: candidates)
    }

    /// How a scalar is shown in a message: printable ones as themselves,
    /// others as `U+XXXX`.
    static func describe(_ c: Unicode.Scalar) -> String {
        if c.value < 0x20 || c.value == 0x7F {
            switch c {
            case "\n": return "line break"
            case "\t": return "tab"
            default:
                let hex = String(c.value, radix: 16, uppercase: true)
                return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            }
        }
        return "'\(Character(c))'"
    }
}
