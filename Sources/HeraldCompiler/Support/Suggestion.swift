/// "Did you mean" suggestions by edit distance.
public enum Suggestion {
    /// The candidate closest to `word`, or nil; an exact match is never
    /// suggested. In order: a candidate that differs only in letter case
    /// (`utc` → `UTC`), else the closest within edit distance 2, else the
    /// closest within edit distance 2 ignoring letter case
    /// (`america/sao_paolo` → `America/Sao_Paulo`). Ties: the first in
    /// `candidates` order.
    public static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
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

    /// The message suffix `; did you mean 'X'?` or an empty string.
    public static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Damerau–Levenshtein (optimal string alignment) distance, stopping early
    /// once it exceeds `limit` (returns `limit + 1` then).
    public static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
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
