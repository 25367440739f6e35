/// Recomputes a scalar's value from its source text the way libyaml's scanner
/// does (folding, escapes, block indentation and chomping), recording for each
/// character of the value where it came from.
///
/// The result is used only when the recomputed text equals libyaml's value
/// exactly; otherwise the scalar gets no position map and callers fall back to
/// the node's start. So any case this code does not mirror faithfully costs
/// precision, never correctness.
struct ScalarLocator {
    /// Where a located scalar's token starts and ends, and its value's
    /// character positions.
    struct Located {
        /// Scalars of the recomputed value.
        var scalars: [UInt32]
        /// One position per scalar, plus one just past the end.
        var positions: [SourcePosition]
        /// Where the scalar token starts (after any anchor or tag).
        var start: SourcePosition
        /// Where the token ends (block scalars: the end of the last content line).
        var end: SourcePosition

        /// Whether the recomputed value is `value` (libyaml's reading): only
        /// then do the positions belong to it.
        func reads(_ value: String) -> Bool {
            var i = 0
            for s in value.unicodeScalars {
                guard i < scalars.count, scalars[i] == s.value else { return false }
                i += 1
            }
            return i == scalars.count
        }
    }

    private var cursor: SourceCursor
    private var scalars: [UInt32] = []
    private var positions: [SourcePosition] = []
    /// Where the source of the last emitted character ends (block scalars).
    private var lastAfter: SourcePosition?

    private init(cursor: SourceCursor) {
        self.cursor = cursor
    }

    /// Locates a scalar whose event starts at `cursor` and ends at character
    /// index `endIndex`. `parentIndent` is libyaml's indentation of the
    /// enclosing block collection (its column, -1 at the top level); only
    /// block scalars with an indentation indicator depend on it.
    /// `expectedCount` (an upper bound of the value's length) sizes the buffers.
    static func locate(
        style: Scalar.Style, from cursor: SourceCursor, endIndex: Int, hasProperties: Bool, parentIndent: Int,
        expectedCount: Int
    ) -> Located? {
        var locator = ScalarLocator(cursor: cursor)
        locator.scalars.reserveCapacity(expectedCount)
        locator.positions.reserveCapacity(expectedCount + 1)
        if hasProperties { locator.skipProperties() }
        let start = locator.cursor.position
        let end: (pastEnd: SourcePosition, token: SourcePosition)?
        switch style {
        case .plain: end = locator.plain(endIndex: endIndex)
        case .singleQuoted: end = locator.quoted(single: true)
        case .doubleQuoted: end = locator.quoted(single: false)
        case .literal: end = locator.block(literal: true, parentIndent: parentIndent)
        case .folded: end = locator.block(literal: false, parentIndent: parentIndent)
        }
        guard let end else { return nil }
        locator.positions.append(end.pastEnd)
        return Located(scalars: locator.scalars, positions: locator.positions, start: start, end: end.token)
    }

    // MARK: Character classes (as libyaml defines them)

    @inline(__always) private static func isBlank(_ c: UInt32) -> Bool { c == 0x20 || c == 0x09 }
    @inline(__always) private static func isBreak(_ c: UInt32) -> Bool {
        c == 0x0A || c == 0x0D || c == 0x85 || c == 0x2028 || c == 0x2029
    }

    private var atBreakOrEnd: Bool { cursor.atEnd || Self.isBreak(cursor.current) }
    private var atBlankOrBreakOrEnd: Bool { atBreakOrEnd || Self.isBlank(cursor.current) }

    // MARK: Output

    @inline(__always) private mutating func emit(_ c: UInt32, at position: SourcePosition) {
        scalars.append(c)
        positions.append(position)
    }

    /// Emits the current character and moves past it.
    @inline(__always) private mutating func take() {
        emit(cursor.current, at: cursor.position)
        cursor.advance()
        lastAfter = cursor.position
    }

    /// A line break read by libyaml's READ_LINE: CRLF, CR, LF and NEL read as
    /// LF; LS and PS are kept.
    private struct LineBreak {
        var value: UInt32
        var position: SourcePosition
        var after: SourcePosition
    }

    private mutating func readLineBreak() -> LineBreak {
        let position = cursor.position
        let c = cursor.current
        cursor.advance()
        if c == 0x0D, cursor.current == 0x0A { cursor.advance() }
        return LineBreak(value: c == 0x2028 || c == 0x2029 ? c : 0x0A, position: position, after: cursor.position)
    }

    private mutating func emit(_ lineBreak: LineBreak?) {
        if let lineBreak {
            emit(lineBreak.value, at: lineBreak.position)
            lastAfter = lineBreak.after
        }
    }

    private mutating func emit(_ lineBreaks: [LineBreak]) {
        for lineBreak in lineBreaks { emit(lineBreak) }
    }

    /// Joins the line breaks between two pieces of a multi-line flow or plain
    /// scalar: one break folds to a space, each further one is kept.
    private mutating func fold(leading: LineBreak?, trailing: [LineBreak]) {
        if let leading, leading.value == 0x0A {
            if trailing.isEmpty { emit(0x20, at: leading.position) } else { emit(trailing) }
        } else {
            emit(leading)
            emit(trailing)
        }
    }

    // MARK: Node properties

    /// Skips `&anchor` and `!tag` properties and the separation after them.
    private mutating func skipProperties() {
        while !cursor.atEnd {
            let c = cursor.current
            if c == 0x26 {  // &
                cursor.advance()
                while !atBlankOrBreakOrEnd, !Self.isFlowIndicator(cursor.current) { cursor.advance() }
            } else if c == 0x21 {  // !
                if cursor.peek(1) == 0x3C {  // !<verbatim>
                    while !atBreakOrEnd, cursor.current != 0x3E { cursor.advance() }
                    cursor.advance()
                } else {
                    while !atBlankOrBreakOrEnd, !Self.isFlowIndicator(cursor.current) { cursor.advance() }
                }
            } else {
                return
            }
            skipSeparation()
        }
    }

    private static func isFlowIndicator(_ c: UInt32) -> Bool {
        c == 0x2C || c == 0x5B || c == 0x5D || c == 0x7B || c == 0x7D
    }

    /// Skips blanks, line breaks and comments.
    private mutating func skipSeparation() {
        while !cursor.atEnd {
            let c = cursor.current
            if Self.isBlank(c) || Self.isBreak(c) {
                cursor.advance()
            } else if c == 0x23 {  // #
                while !atBreakOrEnd { cursor.advance() }
            } else {
                return
            }
        }
    }

    // MARK: Plain scalars

    /// A plain scalar's text is everything up to libyaml's end mark, folded.
    private mutating func plain(endIndex: Int) -> (pastEnd: SourcePosition, token: SourcePosition)? {
        var whitespaces: [(UInt32, SourcePosition)] = []
        var leadingBreak: LineBreak?
        var trailingBreaks: [LineBreak] = []
        var leadingBlanks = false
        while cursor.index < endIndex, !cursor.atEnd {
            let c = cursor.current
            if Self.isBlank(c) {
                if !leadingBlanks { whitespaces.append((c, cursor.position)) }
                cursor.advance()
            } else if Self.isBreak(c) {
                if !leadingBlanks {
                    whitespaces.removeAll()
                    leadingBreak = readLineBreak()
                    leadingBlanks = true
                } else {
                    trailingBreaks.append(readLineBreak())
                }
            } else {
                if leadingBlanks {
                    fold(leading: leadingBreak, trailing: trailingBreaks)
                    leadingBreak = nil
                    trailingBreaks.removeAll()
                    leadingBlanks = false
                } else if !whitespaces.isEmpty {
                    for (w, p) in whitespaces { emit(w, at: p) }
                    whitespaces.removeAll()
                }
                take()
            }
        }
        guard cursor.index == endIndex else { return nil }
        return (cursor.position, cursor.position)
    }

    // MARK: Quoted scalars

    private mutating func quoted(single: Bool) -> (pastEnd: SourcePosition, token: SourcePosition)? {
        let quote: UInt32 = single ? 0x27 : 0x22
        guard cursor.current == quote else { return nil }
        cursor.advance()
        while true {
            if cursor.atEnd { return nil }
            var leadingBlanks = false
            while !atBlankOrBreakOrEnd {
                let c = cursor.current
                if single, c == 0x27, cursor.peek(1) == 0x27 {
                    emit(0x27, at: cursor.position)
                    cursor.advance()
                    cursor.advance()
                } else if c == quote {
                    break
                } else if !single, c == 0x5C, Self.isBreak(cursor.peek(1)) {
                    cursor.advance()
                    _ = readLineBreak()
                    leadingBlanks = true
                    break
                } else if !single, c == 0x5C {
                    guard escape() else { return nil }
                } else {
                    take()
                }
            }
            if cursor.current == quote { break }
            var whitespaces: [(UInt32, SourcePosition)] = []
            var leadingBreak: LineBreak?
            var trailingBreaks: [LineBreak] = []
            while Self.isBlank(cursor.current) || Self.isBreak(cursor.current) {
                if Self.isBlank(cursor.current) {
                    if !leadingBlanks { whitespaces.append((cursor.current, cursor.position)) }
                    cursor.advance()
                } else if !leadingBlanks {
                    whitespaces.removeAll()
                    leadingBreak = readLineBreak()
                    leadingBlanks = true
                } else {
                    trailingBreaks.append(readLineBreak())
                }
            }
            if leadingBlanks {
                fold(leading: leadingBreak, trailing: trailingBreaks)
            } else {
                for (w, p) in whitespaces { emit(w, at: p) }
            }
        }
        let closing = cursor.position
        cursor.advance()
        return (closing, cursor.position)
    }

    /// Reads one double-quoted escape sequence; its character maps to the backslash.
    private mutating func escape() -> Bool {
        let at = cursor.position
        let value: UInt32
        var codeLength = 0
        switch cursor.peek(1) {
        case 0x30: value = 0  // 0
        case 0x61: value = 0x07  // a
        case 0x62: value = 0x08  // b
        case 0x74, 0x09: value = 0x09  // t, tab
        case 0x6E: value = 0x0A  // n
        case 0x76: value = 0x0B  // v
        case 0x66: value = 0x0C  // f
        case 0x72: value = 0x0D  // r
        case 0x65: value = 0x1B  // e
        case 0x20: value = 0x20
        case 0x22: value = 0x22
        case 0x2F: value = 0x2F  // /
        case 0x27: value = 0x27
        case 0x5C: value = 0x5C
        case 0x4E: value = 0x85  // N
        case 0x5F: value = 0xA0  // _
        case 0x4C: value = 0x2028  // L
        case 0x50: value = 0x2029  // P
        case 0x78: value = 0; codeLength = 2  // x
        case 0x75: value = 0; codeLength = 4  // u
        case 0x55: value = 0; codeLength = 8  // U
        default: return false
        }
        cursor.advance()
        cursor.advance()
        guard codeLength > 0 else {
            emit(value, at: at)
            return true
        }
        var code: UInt32 = 0
        for _ in 0..<codeLength {
            let c = cursor.current
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return false
            }
            guard code <= 0x0FFF_FFFF else { return false }
            code = code << 4 | digit
            cursor.advance()
        }
        guard code <= 0x10FFFF, !(0xD800...0xDFFF).contains(code) else { return false }
        emit(code, at: at)
        return true
    }

    // MARK: Block scalars

    private mutating func block(literal: Bool, parentIndent: Int) -> (pastEnd: SourcePosition, token: SourcePosition)? {
        let indicator: UInt32 = literal ? 0x7C : 0x3E
        guard cursor.current == indicator else { return nil }
        cursor.advance()
        var chomping = 0
        var increment = 0
        func isChomping(_ c: UInt32) -> Bool { c == 0x2B || c == 0x2D }
        func isIndentDigit(_ c: UInt32) -> Bool { c >= 0x31 && c <= 0x39 }
        if isChomping(cursor.current) {
            chomping = cursor.current == 0x2B ? 1 : -1
            cursor.advance()
            if isIndentDigit(cursor.current) {
                increment = Int(cursor.current - 0x30)
                cursor.advance()
            }
        } else if isIndentDigit(cursor.current) {
            increment = Int(cursor.current - 0x30)
            cursor.advance()
            if isChomping(cursor.current) {
                chomping = cursor.current == 0x2B ? 1 : -1
                cursor.advance()
            }
        }
        let headerEnd = cursor.position
        while Self.isBlank(cursor.current) { cursor.advance() }
        if cursor.current == 0x23 {
            while !atBreakOrEnd { cursor.advance() }
        }
        guard atBreakOrEnd else { return nil }
        if !cursor.atEnd { _ = readLineBreak() }

        var indent = 0
        if increment > 0 { indent = parentIndent >= 0 ? parentIndent + increment : increment }
        var leadingBreak: LineBreak?
        var trailingBreaks: [LineBreak] = []
        var leadingBlank = false
        var contentEnd: SourcePosition?
        guard blockBreaks(indent: &indent, breaks: &trailingBreaks, parentIndent: parentIndent) else { return nil }
        while cursor.yamlColumn == indent, !cursor.atEnd {
            let trailingBlank = Self.isBlank(cursor.current)
            if !literal, let lb = leadingBreak, lb.value == 0x0A, !leadingBlank, !trailingBlank {
                if trailingBreaks.isEmpty {
                    emit(0x20, at: lb.position)
                    lastAfter = lb.after
                }
            } else {
                emit(leadingBreak)
            }
            leadingBreak = nil
            emit(trailingBreaks)
            trailingBreaks.removeAll()
            leadingBlank = Self.isBlank(cursor.current)
            while !atBreakOrEnd { take() }
            contentEnd = cursor.position
            if !cursor.atEnd { leadingBreak = readLineBreak() }
            guard blockBreaks(indent: &indent, breaks: &trailingBreaks, parentIndent: parentIndent) else {
                return nil
            }
        }
        if chomping != -1 { emit(leadingBreak) }
        if chomping == 1 { emit(trailingBreaks) }
        return (lastAfter ?? headerEnd, contentEnd ?? headerEnd)
    }

    /// libyaml's `yaml_parser_scan_block_scalar_breaks`: eats indentation and
    /// empty lines, and settles an automatic indentation.
    private mutating func blockBreaks(indent: inout Int, breaks: inout [LineBreak], parentIndent: Int) -> Bool {
        var maxIndent = 0
        while true {
            while indent == 0 || cursor.yamlColumn < indent, cursor.current == 0x20 { cursor.advance() }
            maxIndent = max(maxIndent, cursor.yamlColumn)
            if indent == 0 || cursor.yamlColumn < indent, cursor.current == 0x09 { return false }
            guard !cursor.atEnd, Self.isBreak(cursor.current) else { break }
            breaks.append(readLineBreak())
        }
        if indent == 0 { indent = max(maxIndent, parentIndent + 1, 1) }
        return true
    }
}
