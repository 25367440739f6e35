/// One file's UTF-8 bytes with the tables that turn libyaml's character
/// indices into `SourcePosition`s (line, column, byte offset).
///
/// libyaml counts positions in characters (Unicode scalars, CR and LF of a CRLF
/// counted separately) from the start of its input. The tables here map such an
/// index to a byte offset in O(log lines + 64): a table of line starts (by
/// character index and by byte offset) and a checkpoint byte offset every 64
/// characters.
///
/// Lines end at LF, CRLF or a lone CR, as editors count them.
///
/// A class only so that lookups can remember the last line found: events come
/// in source order, so most lookups hit that line or the next.
final class SourceText {
    /// The bytes handed to libyaml (a leading UTF-8 BOM removed). Valid UTF-8.
    let bytes: [UInt8]
    /// Bytes before `bytes[0]` in the file (3 when a BOM was removed).
    let byteBase: Int
    /// Character index of the first character of each line.
    let lineStartIndex: [Int]
    /// Byte offset (into `bytes`) of the first character of each line.
    let lineStartByte: [Int]
    /// Byte offset (into `bytes`) of character `k * checkpointStride`.
    private let checkpoints: [Int]
    /// Number of characters in `bytes`.
    let characterCount: Int
    /// The last lookup: its line, character index and byte offset.
    private var last = (line: 0, index: 0, byte: 0)

    private static let checkpointStride = SourceTable.checkpointStride

    /// The same tables, immutable and shareable: scalars keep a reference to
    /// it and compute their position maps from it when asked.
    let table: SourceTable

    /// Builds the tables. `bytes` must be valid UTF-8.
    convenience init(bytes: [UInt8], byteBase: Int) {
        self.init(table: SourceTable(bytes: bytes, byteBase: byteBase))
    }

    /// Uses tables built before (a file parsed again).
    init(table: SourceTable) {
        self.table = table
        self.bytes = table.bytes
        self.byteBase = table.byteBase
        self.lineStartIndex = table.lineStartIndex
        self.lineStartByte = table.lineStartByte
        self.checkpoints = table.checkpoints
        self.characterCount = table.characterCount
    }

    /// The 0-based line holding character `index`: the last line looked up or
    /// the next one (events come in source order), else a binary search.
    private func lineContaining(index: Int) -> Int {
        let count = lineStartIndex.count
        var line = last.line
        if line < count, lineStartIndex[line] <= index {
            if line + 1 == count || index < lineStartIndex[line + 1] { return line }
            line += 1
            if line + 1 == count || index < lineStartIndex[line + 1] { return line }
        }
        var lo = 0
        var hi = count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStartIndex[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The 0-based line holding byte `offset` (into `bytes`).
    private func lineContaining(byte offset: Int) -> Int {
        var lo = 0
        var hi = lineStartByte.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStartByte[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The byte offset (into `bytes`) of character `index` on `line`, walking
    /// from the nearest known offset at or before it on that line: the last
    /// lookup, a checkpoint, or the line start.
    private func byteOffset(ofIndex index: Int, line: Int) -> Int {
        var from = lineStartIndex[line]
        var byte = lineStartByte[line]
        let checkpoint = index / Self.checkpointStride
        if checkpoint < checkpoints.count, checkpoint * Self.checkpointStride > from {
            from = checkpoint * Self.checkpointStride
            byte = checkpoints[checkpoint]
        }
        if last.line == line, last.index > from, last.index <= index {
            from = last.index
            byte = last.byte
        }
        let count = bytes.count
        var k = from
        while k < index, byte < count {
            byte += UTF8Scan.width(ofLeadByte: bytes[byte])
            k += 1
        }
        byte = min(byte, count)
        last = (line, index, byte)
        return byte
    }

    /// The position of character `index` (clamped to the text).
    func position(ofIndex index: Int) -> SourcePosition {
        let index = max(0, min(index, characterCount))
        let line = lineContaining(index: index)
        let byte = byteOffset(ofIndex: index, line: line)
        return SourcePosition(line: line + 1, column: index - lineStartIndex[line] + 1, offset: byte + byteBase)
    }

    /// The position of byte `offset` (into `bytes`, clamped), for reader errors.
    func position(ofByte offset: Int) -> SourcePosition {
        let offset = max(0, min(offset, bytes.count))
        let line = lineContaining(byte: offset)
        var column = 1
        var byte = lineStartByte[line]
        while byte < offset {
            byte += UTF8Scan.width(ofLeadByte: bytes[byte])
            column += 1
        }
        return SourcePosition(line: line + 1, column: column, offset: offset + byteBase)
    }

    /// A cursor at character `index`, whose libyaml column (0-based, reset by
    /// every YAML line break) is `yamlColumn`.
    func cursor(atIndex index: Int, yamlColumn: Int) -> SourceCursor {
        let index = max(0, min(index, characterCount))
        let line = lineContaining(index: index)
        let byte = byteOffset(ofIndex: index, line: line)
        return SourceCursor(
            bytes: bytes, byteBase: byteBase, byte: byte, index: index,
            line: line + 1, column: index - lineStartIndex[line] + 1, yamlColumn: yamlColumn)
    }
}

/// The immutable tables of `SourceText` (bytes, line starts, checkpoints),
/// shared by the scalars of a file so that each can compute its position map
/// on demand instead of storing one position per character.
final class SourceTable: Sendable {
    /// The bytes handed to libyaml (a leading UTF-8 BOM removed). Valid UTF-8.
    let bytes: [UInt8]
    /// Bytes before `bytes[0]` in the file (3 when a BOM was removed).
    let byteBase: Int
    /// Character index of the first character of each line.
    let lineStartIndex: [Int]
    /// Byte offset (into `bytes`) of the first character of each line.
    let lineStartByte: [Int]
    /// Byte offset (into `bytes`) of character `k * checkpointStride`.
    let checkpoints: [Int]
    /// Number of characters in `bytes`.
    let characterCount: Int

    static let checkpointStride = 64

    /// Builds the tables. `bytes` must be valid UTF-8.
    init(bytes: [UInt8], byteBase: Int) {
        self.bytes = bytes
        self.byteBase = byteBase
        var lineStartIndex = [0]
        var lineStartByte = [0]
        var checkpoints: [Int] = []
        checkpoints.reserveCapacity(bytes.count / Self.checkpointStride + 1)
        var index = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if index % Self.checkpointStride == 0 { checkpoints.append(i) }
            i += UTF8Scan.width(ofLeadByte: b)
            index += 1
            if b == 0x0A || (b == 0x0D && (i >= n || bytes[i] != 0x0A)) {
                lineStartIndex.append(index)
                lineStartByte.append(min(i, n))
            }
        }
        if index % Self.checkpointStride == 0 { checkpoints.append(min(i, n)) }
        self.lineStartIndex = lineStartIndex
        self.lineStartByte = lineStartByte
        self.checkpoints = checkpoints
        self.characterCount = index
    }

    /// The file's lines without terminators, as substrings of one string
    /// (built when asked: a report needs the lines of the files it cites only).
    func lines() -> [Substring] {
        let text = String(decoding: bytes, as: UTF8.self)
        let utf8 = text.utf8
        var result: [Substring] = []
        result.reserveCapacity(lineStartByte.count)
        var start = utf8.startIndex
        for line in lineStartByte.indices {
            var endByte = line + 1 < lineStartByte.count ? lineStartByte[line + 1] : bytes.count
            if line + 1 < lineStartByte.count {
                endByte -= 1
                if endByte > lineStartByte[line], bytes[endByte] == 0x0A, bytes[endByte - 1] == 0x0D { endByte -= 1 }
            }
            let end = utf8.index(start, offsetBy: endByte - lineStartByte[line])
            result.append(text[start..<end])
            if line + 1 < lineStartByte.count {
                start = utf8.index(utf8.startIndex, offsetBy: lineStartByte[line + 1])
            }
        }
        return result
    }

    /// A cursor at character `index` (clamped to the text), whose libyaml
    /// column is `yamlColumn`. No cache: for occasional look-ups.
    func cursor(atIndex index: Int, yamlColumn: Int) -> SourceCursor {
        let index = max(0, min(index, characterCount))
        var lo = 0
        var hi = lineStartIndex.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStartIndex[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        let line = lo
        var from = lineStartIndex[line]
        var byte = lineStartByte[line]
        let checkpoint = index / Self.checkpointStride
        if checkpoint < checkpoints.count, checkpoint * Self.checkpointStride > from {
            from = checkpoint * Self.checkpointStride
            byte = checkpoints[checkpoint]
        }
        let count = bytes.count
        var k = from
        while k < index, byte < count {
            byte += UTF8Scan.width(ofLeadByte: bytes[byte])
            k += 1
        }
        byte = min(byte, count)
        return SourceCursor(
            bytes: bytes, byteBase: byteBase, byte: byte, index: index,
            line: line + 1, column: index - lineStartIndex[line] + 1, yamlColumn: yamlColumn)
    }
}

/// Small UTF-8 helpers working on bytes.
enum UTF8Scan {
    /// The byte length of the sequence starting with `b` (1 for a stray byte).
    @inline(__always)
    static func width(ofLeadByte b: UInt8) -> Int {
        if b < 0x80 { return 1 }
        if b < 0xE0 { return b < 0xC0 ? 1 : 2 }
        if b < 0xF0 { return 3 }
        return 4
    }

    /// The byte offset of the first byte that is not part of a valid UTF-8
    /// sequence (overlong forms, surrogates and values above U+10FFFF are
    /// invalid), or nil when all of `bytes` is valid.
    static func firstInvalidByte(in bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let width: Int
            var lowerSecond: UInt8 = 0x80
            var upperSecond: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: width = 2
            case 0xE0: width = 3; lowerSecond = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: width = 3
            case 0xED: width = 3; upperSecond = 0x9F
            case 0xF0: width = 4; lowerSecond = 0x90
            case 0xF1...0xF3: width = 4
            case 0xF4: width = 4; upperSecond = 0x8F
            default: return i
            }
            guard i + width <= n else { return i }
            let second = bytes[i + 1]
            guard second >= lowerSecond, second <= upperSecond else { return i }
            var k = 2
            while k < width {
                guard bytes[i + k] & 0xC0 == 0x80 else { return i }
                k += 1
            }
            i += width
        }
        return nil
    }
}

/// A forward cursor over the source that tracks both the user-facing position
/// (line/column with LF, CRLF, CR as line ends) and libyaml's own column, which
/// also restarts after NEL, LS and PS.
struct SourceCursor {
    let bytes: [UInt8]
    let byteBase: Int
    /// Byte offset into `bytes`.
    private(set) var byte: Int
    /// libyaml character index.
    private(set) var index: Int
    private(set) var line: Int
    private(set) var column: Int
    /// libyaml's 0-based column.
    private(set) var yamlColumn: Int

    init(bytes: [UInt8], byteBase: Int, byte: Int, index: Int, line: Int, column: Int, yamlColumn: Int) {
        self.bytes = bytes
        self.byteBase = byteBase
        self.byte = byte
        self.index = index
        self.line = line
        self.column = column
        self.yamlColumn = yamlColumn
    }

    /// Whether the cursor is at the end of the input.
    var atEnd: Bool { byte >= bytes.count }

    /// The user-facing position of the current character.
    var position: SourcePosition {
        SourcePosition(line: line, column: column, offset: byte + byteBase)
    }

    /// The scalar at byte `at`, with its width; 0 past the end.
    @inline(__always)
    private func decode(at: Int) -> (UInt32, Int) {
        guard at < bytes.count else { return (0, 0) }
        let b0 = bytes[at]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let width = UTF8Scan.width(ofLeadByte: b0)
        guard at + width <= bytes.count, width > 1 else { return (UInt32(b0), 1) }
        var value: UInt32
        switch width {
        case 2: value = UInt32(b0 & 0x1F)
        case 3: value = UInt32(b0 & 0x0F)
        default: value = UInt32(b0 & 0x07)
        }
        for k in 1..<width { value = value << 6 | UInt32(bytes[at + k] & 0x3F) }
        return (value, width)
    }

    /// The current scalar value (0 at the end).
    var current: UInt32 { decode(at: byte).0 }

    /// The scalar `ahead` characters after the current one (0 past the end).
    func peek(_ ahead: Int) -> UInt32 {
        var at = byte
        for _ in 0..<ahead {
            let (_, w) = decode(at: at)
            if w == 0 { return 0 }
            at += w
        }
        return decode(at: at).0
    }

    /// Moves past the current character.
    mutating func advance() {
        let (c, w) = decode(at: byte)
        guard w > 0 else { return }
        byte += w
        index += 1
        switch c {
        case 0x0A:
            line += 1
            column = 1
            yamlColumn = 0
        case 0x0D:
            if byte < bytes.count, bytes[byte] == 0x0A {
                column += 1
            } else {
                line += 1
                column = 1
                yamlColumn = 0
            }
        case 0x85, 0x2028, 0x2029:
            column += 1
            yamlColumn = 0
        default:
            column += 1
            yamlColumn += 1
        }
    }
}
