/// What a rendered record may put into a mail header or a file name: the
/// same rules the service's message composer applies on its side
/// (`MessageComposer.headerText`, `MessageComposer.safeFilename`), so that a
/// record shows what will be sent.
public enum SafeText {
    /// Whether a character must never reach a header: C0 and C1 controls,
    /// DEL, the line and paragraph separators, and the bidirectional
    /// embedding, override and isolate marks (U+202A–U+202E, U+2066–U+2069,
    /// U+200E, U+200F, U+061C), which can make a text read as another.
    public static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0..<0x20, 0x7F..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true
        default: false
        }
    }

    /// Whether a character breaks a line or a header: CR, LF, VT, FF, NEL,
    /// U+2028, U+2029, and the tab.
    static func isBreak(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x0D, 0x0B, 0x0C, 0x85, 0x2028, 0x2029, 0x09: true
        default: false
        }
    }

    /// Header text: each line break (CRLF, LF or CR, SPEC §4) and each
    /// other separator (VT, FF, NEL, U+2028, U+2029, tab) becomes one
    /// space, so `a\n\nb` is `a  b`; other control and bidi-override
    /// characters are dropped.
    public static func header(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isUnsafe) else { return s }
        var out = String.UnicodeScalarView()
        var afterCR = false
        for scalar in s.unicodeScalars {
            defer { afterCR = scalar.value == 0x0D }
            if isBreak(scalar) {
                // The LF of a CRLF: its CR already gave the space.
                if !(afterCR && scalar.value == 0x0A) { out.append(" ") }
                continue
            }
            if !isUnsafe(scalar) { out.append(scalar) }
        }
        return String(out)
    }

    /// Whether a text is empty or only whitespace (Unicode `White_Space`):
    /// a message that renders so is not sent (`empty-message`, SPEC §8.2).
    public static func isBlank(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// Whether a text has a character that is neither whitespace nor one
    /// `header(_:)` drops: such a text never renders blank, in any part.
    static func hasVisibleText(_ s: String) -> Bool {
        s.unicodeScalars.contains { !$0.properties.isWhitespace && !isUnsafe($0) }
    }

    /// `isBlank` of UTF-8 text (ASCII read byte by byte).
    static func isBlank(utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        for (i, b) in utf8.enumerated() {
            switch b {
            case 0x09...0x0D, 0x20: continue
            case 0x80...: return isBlank(String(decoding: UnsafeBufferPointer(rebasing: utf8[i...]), as: UTF8.self))
            default: return false
            }
        }
        return true
    }

    /// The file name of a work order's report (SPEC §9):
    /// `work-order-NUMBER.pdf`, with NUMBER made safe by `fileName` (so
    /// `.pdf` always ends it); `work-order.pdf` when nothing of it is left.
    public static func reportFileName(number: String) -> String {
        let safe = safeName(number)
        return safe.isEmpty ? "work-order.pdf" : "work-order-\(safe).pdf"
    }

    /// Whether UTF-8 text may hold a character `header(_:)` changes (a quick
    /// byte test: ASCII controls, and the lead bytes of C1 controls, U+061C
    /// and the U+2000 block).
    static func mayNeedHeaderRepair(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        for b in utf8 where b < 0x20 || b == 0x7F || b == 0xC2 || b == 0xD8 || b == 0xE2 { return true }
        return false
    }

    /// A file name made only of ASCII letters, digits, `.`, `_` and `-`:
    /// every other run of characters becomes one `-`; runs of dots and dashes
    /// collapse (so no `..` and no `/` are left), and dots and dashes are
    /// trimmed from both ends; an empty result is `attachment`.
    /// `work-order-1\r\nBcc: x@y.pdf` → `work-order-1-Bcc-x-y.pdf`.
    public static func fileName(_ name: String) -> String {
        let safe = safeName(name)
        return safe.isEmpty ? "attachment" : safe
    }

    /// `fileName` without the fallback: empty when nothing is left.
    private static func safeName(_ name: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count)
        var lastDash = false
        for s in name.unicodeScalars {
            let v = s.value
            let ok = (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || (0x30...0x39).contains(v) || v == 0x2E || v == 0x5F
            if ok {
                out.append(UInt8(v))
                lastDash = false
            } else if !lastDash {
                out.append(0x2D)
                lastDash = true
            }
        }
        // Collapse `..`, `-.`, `.-`, `--` until none is left: a run of dots
        // and dashes becomes `-` if it holds a dash, else one `.`.
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(out.count)
        var i = 0
        while i < out.count {
            let b = out[i]
            guard b == 0x2E || b == 0x2D else {
                collapsed.append(b)
                i += 1
                continue
            }
            var hasDash = false
            while i < out.count, out[i] == 0x2E || out[i] == 0x2D {
                if out[i] == 0x2D { hasDash = true }
                i += 1
            }
            collapsed.append(hasDash ? 0x2D : 0x2E)
        }
        while let first = collapsed.first, first == 0x2E || first == 0x2D { collapsed.removeFirst() }
        while let last = collapsed.last, last == 0x2E || last == 0x2D { collapsed.removeLast() }
        return String(decoding: collapsed, as: UTF8.self)
    }
}
