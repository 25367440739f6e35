/// "Did you mean" suggestions by edit distance.
public enum Suggestion {
    /// The candidate closest to `word`, or nil; an exact match is never
    /// suggested. In order: a candidate that differs only in letter case
    /// (`utc` → `UTC`), else the closest within edit distance 2, else the
    /// closest within edit distance 2 ignoring letter case
    /// (`america/sao_paolo` → `America/Sao_Paulo`). Ties: the first in
    /// `candidates` order. A word longer than `maximumLength` characters
    /// gets no suggestion: no name is that long, and comparing it with
    /// every candidate would take time in proportion to its length.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        guard !isLonger(word, than: maximumLength) else { return nil }
        let lower = word.lowercased()
        var best: (candidate: String, distance: Int)?
        var bestIgnoringCase: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let candidateLower = candidate.lowercased()
            if candidateLower == lower { return candidate }
            let d = distance(word, candidate, limit: 2)
            if d <= 2, best.map({ d < $0.distance }) ?? true {
                best = (candidate, d)
            }
            if best == nil {
                let e = distance(lower, candidateLower, limit: 2)
                if e <= 2, bestIgnoringCase.map({ e < $0.distance }) ?? true {
                    bestIgnoringCase = (candidate, e)
                }
            }
        }
        return best?.candidate ?? bestIgnoringCase?.candidate
    }

    /// The longest word (in Unicode scalars) that gets a suggestion.
    public static let maximumLength = 128

    /// Whether `word` has more than `n` Unicode scalars (looks at no more than n + 1 of them).
    static func isLonger(_ word: String, than n: Int) -> Bool {
        guard word.utf8.count > n else { return false }
        var count = 0
        for _ in word.unicodeScalars {
            count += 1
            if count > n { return true }
        }
        return false
    }

    /// The message suffix `; did you mean 'X'?` or an empty string.
    public static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Damerau–Levenshtein (optimal string alignment) distance, stopping early
    /// once it exceeds `limit` (returns `limit + 1` then).
    public static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
        // A UTF-8 scalar is 1 to 4 bytes: lengths this far apart cannot be within `limit`.
        if limit < .max / 8, a.utf8.count > 4 * (b.utf8.count + limit) || b.utf8.count > 4 * (a.utf8.count + limit) {
            return limit &+ 1
        }
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit &+ 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    v = min(v, previous2[j - 2] + 1)
                }
                current[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return limit &+ 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}
