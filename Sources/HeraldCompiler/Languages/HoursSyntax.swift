/// Parses calendar `hours` keys and values (docs/rule-language.md §3.3, `Grammar/hours.ebnf`).
///
/// Day keys: `mon` … `sun` (lower case), ranges `mon-fri`, lists `mon,wed`
/// and combinations `mon-wed,fri`. A range whose end comes before its start
/// in the week wraps around Sunday: `fri-mon` is Friday, Saturday, Sunday and
/// Monday. Spaces are allowed around `,` and `-`.
///
/// Time values: `HH:MM-HH:MM` spans, half-open `[start, end)`, hours `00`–`23`
/// and minutes `00`–`59`, the end may be `24:00`; several separated by commas
/// (spaces allowed around `,` and `-`), not overlapping. Spans that touch
/// (`08:00-12:00, 12:00-18:00`) are merged into one.
public enum HoursSyntax {
    /// The day names, index 0 = Monday.
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Parses a day key (`mon`, `mon-fri`, `mon,wed`, `sat-sun`, `fri-mon`)
    /// into weekday indices (0 = Monday), ascending, each once. Returns an
    /// `invalid-hours` issue at the offending part when malformed, including a
    /// day named twice within the key.
    public static func parseDays(_ text: String) -> Result<[Int], LocalIssue> {
        let s = ScalarLexing.scalars(of: text)
        var included = [Bool](repeating: false, count: 7)
        var i = ScalarLexing.skipSpaces(s, from: 0)
        if i == s.count {
            return .failure(issue("invalid day key '\(text)': it is empty; \(dayAdvice)", 0, s.count))
        }
        while true {
            let itemStart = i
            let first: (day: Int, from: Int, to: Int)
            switch day(s, at: i, key: text) {
            case .failure(let e): return .failure(e)
            case .success(let d): first = d
            }
            i = ScalarLexing.skipSpaces(s, from: first.to)
            var days = [first.day]
            if i < s.count, s[i] == "-" {
                let j = ScalarLexing.skipSpaces(s, from: i + 1)
                let last: (day: Int, from: Int, to: Int)
                switch day(s, at: j, key: text) {
                case .failure(let e): return .failure(e)
                case .success(let d): last = d
                }
                if last.day == first.day {
                    return .failure(issue(
                        "invalid day range '\(ScalarLexing.text(s, itemStart, last.to))': a range needs two different days (write just '\(dayNames[first.day])')",
                        itemStart, last.to))
                }
                var d = first.day
                while d != last.day {
                    d = (d + 1) % 7
                    days.append(d)
                }
                i = ScalarLexing.skipSpaces(s, from: last.to)
                if i < s.count, s[i] == "-" {
                    return .failure(issue("invalid day key '\(text)': a range has one '-' (e.g. mon-fri)", i, i + 1))
                }
            }
            let itemEnd = trimmedEnd(s, itemStart, i)
            for d in days {
                if included[d] {
                    return .failure(issue(
                        "day '\(dayNames[d])' is named twice in '\(text)'", itemStart, itemEnd))
                }
                included[d] = true
            }
            if i == s.count { break }
            guard s[i] == "," else {
                return .failure(issue(
                    "invalid day key '\(text)': unexpected \(ScalarLexing.describe(s[i])); \(dayAdvice)", i, i + 1))
            }
            i = ScalarLexing.skipSpaces(s, from: i + 1)
            if i == s.count {
                return .failure(issue("invalid day key '\(text)': a day name must follow ','", i - 1, i))
            }
        }
        return .success((0..<7).filter { included[$0] })
    }

    /// Parses `"08:00-12:00, 13:00-18:00"` into sorted, non-overlapping spans
    /// (touching spans merged). Returns an `invalid-hours` issue at the
    /// offending part for malformed, empty, reversed or overlapping ranges.
    public static func parseSpans(_ text: String) -> Result<[MinuteSpan], LocalIssue> {
        let s = ScalarLexing.scalars(of: text)
        var spans: [(span: MinuteSpan, from: Int, to: Int)] = []
        var i = ScalarLexing.skipSpaces(s, from: 0)
        if i == s.count {
            return .failure(issue("invalid hours '\(text)': no time range; \(spanAdvice)", 0, s.count))
        }
        while true {
            let start: (minutes: Int, to: Int)
            switch time(s, at: i, text: text, isEnd: false) {
            case .failure(let e): return .failure(e)
            case .success(let t): start = t
            }
            var j = ScalarLexing.skipSpaces(s, from: start.to)
            guard j < s.count, s[j] == "-" else {
                let at = j < s.count ? j : start.to
                return .failure(issue(
                    "invalid hours '\(text)': expected '-' after '\(ScalarLexing.text(s, i, start.to))'; \(spanAdvice)",
                    i, max(at, start.to)))
            }
            j = ScalarLexing.skipSpaces(s, from: j + 1)
            let end: (minutes: Int, to: Int)
            switch time(s, at: j, text: text, isEnd: true) {
            case .failure(let e): return .failure(e)
            case .success(let t): end = t
            }
            let rangeText = ScalarLexing.text(s, i, end.to)
            if start.minutes >= end.minutes {
                return .failure(issue(
                    "invalid time range '\(rangeText)': the start must be before the end (ranges cannot pass midnight; 24:00 ends the day)",
                    i, end.to))
            }
            spans.append((MinuteSpan(start: start.minutes, end: end.minutes), i, end.to))
            i = ScalarLexing.skipSpaces(s, from: end.to)
            if i == s.count { break }
            guard s[i] == "," else {
                return .failure(issue(
                    "invalid hours '\(text)': unexpected \(ScalarLexing.describe(s[i])) after '\(rangeText)'; \(spanAdvice)",
                    i, i + 1))
            }
            let comma = i
            i = ScalarLexing.skipSpaces(s, from: i + 1)
            if i == s.count {
                return .failure(issue("invalid hours '\(text)': a time range must follow ','", comma, comma + 1))
            }
        }
        // Sort by start; report an overlap at whichever of the two ranges
        // comes later in the text.
        let order = spans.indices.sorted { spans[$0].span.start < spans[$1].span.start }
        var merged: [MinuteSpan] = []
        var widest = order[0]
        for k in order {
            let current = spans[k]
            if let last = merged.last, current.span.start < last.end {
                let other = spans[widest]
                let later = current.from > other.from ? current : other
                let earlier = current.from > other.from ? other : current
                return .failure(issue(
                    "time range '\(ScalarLexing.text(s, later.from, later.to))' overlaps '\(ScalarLexing.text(s, earlier.from, earlier.to))'",
                    later.from, later.to))
            }
            if let last = merged.last, current.span.start == last.end {
                merged[merged.count - 1].end = current.span.end
            } else {
                merged.append(current.span)
            }
            widest = k
        }
        return .success(merged)
    }

    // MARK: - Parts

    private static let dayAdvice = "write days as mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri and lists like mon,wed"
    private static let spanAdvice = "write HH:MM-HH:MM ranges separated by commas, e.g. \"08:00-12:00, 13:00-18:00\""

    private static func issue(_ message: String, _ from: Int, _ to: Int) -> LocalIssue {
        LocalIssue(code: .invalidHours, message: message, from: from, to: to)
    }

    /// Index just past the last non-space scalar of `s[from..<to]`.
    private static func trimmedEnd(_ s: [Unicode.Scalar], _ from: Int, _ to: Int) -> Int {
        var e = to
        while e > from, ScalarLexing.isSpace(s[e - 1]) { e -= 1 }
        return e
    }

    /// One day name at `i` (letters, digits, `_`).
    private static func day(_ s: [Unicode.Scalar], at i: Int, key: String) -> Result<(day: Int, from: Int, to: Int), LocalIssue> {
        var j = i
        while j < s.count, ScalarLexing.isIdentifierPart(s[j]) || s[j].value >= 0x80 { j += 1 }
        if j == i {
            if i < s.count {
                return .failure(issue(
                    "invalid day key '\(key)': expected a day name, found \(ScalarLexing.describe(s[i])); \(dayAdvice)", i, i + 1))
            }
            return .failure(issue("invalid day key '\(key)': a day name is missing at the end", max(0, i - 1), i))
        }
        let name = ScalarLexing.text(s, i, j)
        guard let index = dayNames.firstIndex(of: name) else {
            let hint = ScalarLexing.hint(for: name, in: dayNames)
            return .failure(issue(
                "unknown day '\(name)' (days are mon, tue, wed, thu, fri, sat, sun)\(hint)", i, j))
        }
        return .success((index, i, j))
    }

    /// One `HH:MM` time at `i`; `24:00` only when `isEnd`.
    private static func time(
        _ s: [Unicode.Scalar], at i: Int, text: String, isEnd: Bool
    ) -> Result<(minutes: Int, to: Int), LocalIssue> {
        // The token: digits, letters and the separators a time might be written with.
        var j = i
        while j < s.count, ScalarLexing.isIdentifierPart(s[j]) || s[j] == ":" || s[j] == "." || s[j].value >= 0x80 {
            j += 1
        }
        let token = ScalarLexing.text(s, i, j)
        if j == i {
            let what = i < s.count ? "found \(ScalarLexing.describe(s[i]))" : "the text ends"
            return .failure(issue(
                "invalid hours '\(text)': expected a time HH:MM, but \(what); \(spanAdvice)",
                min(i, max(0, s.count - 1)), min(i + 1, s.count)))
        }
        let d = { (k: Int) -> Int? in
            i + k < j && ScalarLexing.isDigit(s[i + k]) ? Int(s[i + k].value - 0x30) : nil
        }
        guard j - i == 5, let h1 = d(0), let h2 = d(1), s[i + 2] == ":", let m1 = d(3), let m2 = d(4) else {
            return .failure(issue(
                "invalid time '\(token)': write times as HH:MM with two digits each, e.g. 08:00", i, j))
        }
        let hours = h1 * 10 + h2, minutes = m1 * 10 + m2
        if hours == 24 && minutes == 0 {
            if isEnd { return .success((1440, j)) }
            return .failure(issue("invalid time '\(token)': 24:00 can only end a range", i, j))
        }
        if hours > 23 || minutes > 59 {
            return .failure(issue(
                "invalid time '\(token)': times go from 00:00 to 23:59 (and 24:00 as an end)", i, j))
        }
        return .success((hours * 60 + minutes, j))
    }
}
