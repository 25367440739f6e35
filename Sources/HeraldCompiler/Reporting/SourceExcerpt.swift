/// Which line of which file a `LongLineIndex` is for.
struct LongLineKey: Hashable {
    var file: String
    var line: Int
}

/// A long source line (a `where` of thousands of terms written on one line)
/// with every 64th Unicode scalar's index noted, so that the excerpt around
/// any column is found without walking the line from its start. Its excerpts
/// show a window of the line around the range, cut with `…`.
struct LongLineIndex {
    /// Lines longer than this many bytes are shown as windows.
    static let threshold = 512
    /// Scalars shown before the range, and at most after its start.
    static let before = 40
    static let after = 160
    private static let stride = 64

    let line: Substring
    /// The index of scalar `k * stride`.
    private var marks: [Substring.Index] = []
    /// Scalars in the line (a final CR not counted).
    private(set) var count = 0

    init(_ line: Substring) {
        var line = line
        if line.unicodeScalars.last == "\r" { line = line[..<line.unicodeScalars.index(before: line.endIndex)] }
        self.line = line
        var i = line.startIndex
        let scalars = line.unicodeScalars
        while i < scalars.endIndex {
            if count % Self.stride == 0 { marks.append(i) }
            scalars.formIndex(after: &i)
            count += 1
        }
    }

    /// The index of scalar `n` (0-based; `count` gives the end).
    func index(ofScalar n: Int) -> Substring.Index {
        guard n < count else { return line.endIndex }
        var i = marks[n / Self.stride]
        for _ in 0..<(n % Self.stride) { line.unicodeScalars.formIndex(after: &i) }
        return i
    }

    /// The excerpt of columns `startColumn..<endColumn` (1-based; nil: to the
    /// end of the line) in a window around them.
    func excerpt(startColumn: Int, endColumn: Int?, tabWidth: Int) -> SourceExcerpt {
        let start = min(max(0, startColumn - 1), count)
        let end = min(max(start, (endColumn ?? count + 1) - 1), count)
        let from = max(0, start - Self.before)
        let to = min(count, max(end, start + 1) + Self.before, start + Self.after)
        let window = line[index(ofScalar: from)..<index(ofScalar: to)]
        return SourceExcerpt(
            window: window, startColumn: start - from + 1, endColumn: min(end, to) - from + 1, tabWidth: tabWidth,
            cutBefore: from > 0, cutAfter: to < count)
    }
}

/// One source line prepared for a terminal, with the underline of a range on
/// it. Columns are counted in Unicode scalars (as `SourcePosition` does);
/// the underline is placed by *display* width, so tabs, combining marks and
/// wide (CJK, emoji) characters before or inside the range do not shift it.
struct SourceExcerpt: Equatable {
    /// The line as it is printed: tabs shown as `→` and spaces to the tab stop, control characters
    /// replaced by U+FFFD (so a rule file cannot send escape codes to the terminal).
    var text: String
    /// Spaces up to the first underlined cell.
    var indent: Int
    /// Underlined cells (at least 1): `^` then `~` for the rest.
    var width: Int

    /// Lays out `line`, underlining columns `startColumn..<endColumn`
    /// (1-based; `endColumn` nil means to the end of the line).
    init(line: Substring, startColumn: Int, endColumn: Int?, tabWidth: Int) {
        var scalars = Array(line.unicodeScalars)
        if scalars.last == "\r" { scalars.removeLast() }
        let tab = max(1, tabWidth)

        var text = String.UnicodeScalarView()
        // cells[i]: the display column where scalar i starts; cells[count] is the total width.
        var cells = [Int]()
        cells.reserveCapacity(scalars.count + 1)
        var column = 0
        for scalar in scalars {
            cells.append(column)
            if scalar == "\t" {
                // Shown as an arrow, then spaces to the tab stop: a tab in
                // YAML indentation is a mistake the reader must see.
                let spaces = tab - column % tab
                text.append("\u{2192}")
                text.append(contentsOf: repeatElement(" ", count: spaces - 1))
                column += spaces
            } else if Self.isControl(scalar) {
                text.append("\u{FFFD}")
                column += 1
            } else {
                text.append(scalar)
                column += Self.displayWidth(of: scalar)
            }
        }
        cells.append(column)

        let count = scalars.count
        let start = min(max(0, startColumn - 1), count)
        let end = min(max(start, (endColumn ?? count + 1) - 1), count)
        self.text = String(text)
        self.indent = cells[start]
        self.width = max(1, cells[end] - cells[start])
    }

    /// An excerpt of a window of a longer line: `…` stands for the text cut
    /// before and after it, and the underline shifts by the leading `…`.
    init(window: Substring, startColumn: Int, endColumn: Int?, tabWidth: Int, cutBefore: Bool, cutAfter: Bool) {
        self.init(line: window, startColumn: startColumn, endColumn: endColumn, tabWidth: tabWidth)
        if cutBefore {
            text = "…" + text
            indent += 1
        }
        if cutAfter { text += "…" }
    }

    /// The underline without its indentation: `^`, and `~` for the remaining cells.
    var marker: String {
        "^" + String(repeating: "~", count: width - 1)
    }

    /// C0 and C1 control characters other than tab, and DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (v < 0x20 && v != 0x09) || (0x7F...0x9F).contains(v)
    }

    /// How many terminal cells `scalar` takes: 0 for combining marks and
    /// invisible format characters, 2 for East Asian wide and full-width
    /// characters and emoji shown as pictures, 1 otherwise.
    static func displayWidth(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        if (0x1160...0x11FF).contains(v) { return 0 }  // Hangul medial vowels and final consonants
        if scalar.properties.isEmojiPresentation { return 2 }
        for range in wideRanges where range.contains(v) { return 2 }
        return 1
    }

    /// East Asian Wide (W) and Fullwidth (F) blocks (Unicode's EastAsianWidth.txt, by block).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul initial consonants
        0x231A...0x231B, 0x2329...0x232A,
        0x2E80...0x303E,  // CJK radicals, punctuation
        0x3041...0x33FF,  // kana, bopomofo, CJK compatibility
        0x3400...0x4DBF,  // CJK extension A
        0x4E00...0x9FFF,  // CJK unified ideographs
        0xA000...0xA4CF,  // Yi
        0xA960...0xA97F,  // Hangul Jamo extended A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK compatibility ideographs
        0xFE10...0xFE19, 0xFE30...0xFE6F,  // vertical forms, small forms
        0xFF00...0xFF60, 0xFFE0...0xFFE6,  // full-width forms
        0x16FE0...0x18CFF,  // Tangut, Khitan
        0x1B000...0x1B2FF,  // kana supplement, Nüshu
        0x1F200...0x1F2FF,  // enclosed ideographic supplement
        0x20000...0x2FFFD, 0x30000...0x3FFFD,  // CJK extensions B and later
    ]
}
