import HeraldCompiler
/// A JSON value as a test compares it: decision records are read into this
/// form from the runtime's JSON encoding, and events written in YAML are
/// turned into it before they are encoded as one NDJSON line.
///
/// Numbers keep their text (`199.90` stays `199.90`); members keep their order.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A number, as JSON text (`3`, `-2.5`, `1e3`).
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, members in order.
    case object([Member])

    /// One member of an object.
    public struct Member: Sendable, Hashable {
        /// The member name.
        public var name: String
        /// Its value.
        public var value: JSONValue

        /// Creates a member.
        public init(_ name: String, _ value: JSONValue) {
            self.name = name
            self.value = value
        }
    }

    /// The value of the first member called `name`, if this is an object that has one.
    public subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.name == name }?.value
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Whether two values are the same JSON value: numbers compare by value
    /// (`2` equals `2.0`), objects by their members regardless of order.
    public func isEquivalent(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)):
            if a == b { return true }
            guard let x = Double(a), let y = Double(b) else { return false }
            return x == y
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { m in b.first { $0.name == m.name }.map { m.value.isEquivalent(to: $0.value) } ?? false }
        default: return false
        }
    }

    /// Compact JSON text on one line (UTF-8 kept as is, control characters escaped).
    public var jsonText: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONStringLiteral.append(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                JSONStringLiteral.append(member.name, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }
}

extension JSONValue {
    /// Parses JSON text (one value, surrounding whitespace allowed); nil if it is not JSON.
    public static func parse(_ text: String) -> JSONValue? {
        var parser = JSONTextParser(scalars: Array(text.unicodeScalars))
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == parser.scalars.count ? value : nil
    }
}

/// A small recursive-descent JSON parser over Unicode scalars.
private struct JSONTextParser {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    mutating func skipWhitespace() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { index += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
        guard depth < 512 else { return nil }
        skipWhitespace()
        guard let c = current else { return nil }
        switch c {
        case "{":
            index += 1
            var members: [JSONValue.Member] = []
            skipWhitespace()
            if current == "}" {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == "\"", let name = string() else { return nil }
                skipWhitespace()
                guard current == ":" else { return nil }
                index += 1
                guard let v = value(depth: depth + 1) else { return nil }
                members.append(JSONValue.Member(name, v))
                skipWhitespace()
                if current == "," {
                    index += 1
                } else if current == "}" {
                    index += 1
                    return .object(members)
                } else {
                    return nil
                }
            }
        case "[":
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if current == "]" {
                index += 1
                return .array(items)
            }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipWhitespace()
                if current == "," {
                    index += 1
                } else if current == "]" {
                    index += 1
                    return .array(items)
                } else {
                    return nil
                }
            }
        case "\"":
            return string().map(JSONValue.string)
        case "t": return literal("true", .bool(true))
        case "f": return literal("false", .bool(false))
        case "n": return literal("null", .null)
        default:
            return number()
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) -> JSONValue? {
        let w = Array(word.unicodeScalars)
        guard index + w.count <= scalars.count, Array(scalars[index..<index + w.count]) == w else { return nil }
        index += w.count
        return value
    }

    private mutating func number() -> JSONValue? {
        let start = index
        if current == "-" { index += 1 }
        func digits(_ p: inout JSONTextParser) -> Int {
            var n = 0
            while let c = p.current, ("0"..."9").contains(c) {
                p.index += 1
                n += 1
            }
            return n
        }
        guard digits(&self) > 0 else { return nil }
        if current == "." {
            index += 1
            guard digits(&self) > 0 else { return nil }
        }
        if current == "e" || current == "E" {
            index += 1
            if current == "+" || current == "-" { index += 1 }
            guard digits(&self) > 0 else { return nil }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<index])
        return .number(String(text))
    }

    private mutating func string() -> String? {
        guard current == "\"" else { return nil }
        index += 1
        var out = String.UnicodeScalarView()
        while let c = current {
            index += 1
            switch c {
            case "\"": return String(out)
            case "\\":
                guard let e = current else { return nil }
                index += 1
                switch e {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "/": out.append("/")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    guard var unit = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(unit), current == "\\", index + 1 < scalars.count, scalars[index + 1] == "u" {
                        index += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                default: return nil
                }
            default:
                guard c.value >= 0x20 else { return nil }
                out.append(c)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= scalars.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = UInt32(String(scalars[index]), radix: 16) else { return nil }
            v = v * 16 + d
            index += 1
        }
        return v
    }
}
