import HeraldRuntime

/// One field in which a produced record differs from the expected one.
public struct FieldDifference: Sendable, Hashable {
    /// The record field.
    public var name: String
    /// The value the test lists.
    public var want: JSONValue
    /// The value produced; nil when the record has no such field.
    public var got: JSONValue?

    /// Creates a difference.
    public init(name: String, want: JSONValue, got: JSONValue?) {
        self.name = name
        self.want = want
        self.got = got
    }
}

/// One step of lining up the expected records with the produced ones.
public enum AlignmentStep: Sendable, Hashable {
    /// Expected record `expected` matches produced record `actual`.
    case match(expected: Int, actual: Int)
    /// They stand at the same place but differ in `fields`.
    case differs(expected: Int, actual: Int, fields: [FieldDifference])
    /// Expected record `expected` was not produced.
    case missing(expected: Int)
    /// Produced record `actual` was not expected.
    case extra(actual: Int)

    /// Whether this step is a match.
    public var isMatch: Bool {
        if case .match = self { return true }
        return false
    }
}

/// Compares produced records with a test's `expect` list (docs/testing.md):
/// in order, none more, none fewer; each listed field compared, `send_at` as
/// an instant, unlisted fields free. A listed `null` also matches an absent
/// field, and `late: false` matches a record without `late`.
public enum RecordComparison {
    /// The fields in which `actual` differs from `expected` (empty: it matches).
    public static func differences(_ expected: ExpectedRecord, _ actual: JSONValue) -> [FieldDifference] {
        expected.fields.compactMap { field in
            let got = actual[field.name]
            return matches(field.name, want: field.value, got: got) ? nil : FieldDifference(name: field.name, want: field.value, got: got)
        }
    }

    /// Whether a produced field value satisfies the listed one.
    public static func matches(_ name: String, want: JSONValue, got: JSONValue?) -> Bool {
        guard let got, got != .null else {
            if want == .null { return true }
            if name == RecordField.late.rawValue, want == .bool(false) { return true }
            return false
        }
        if name == RecordField.sendAt.rawValue, case .string(let w) = want, case .string(let g) = got,
            let a = RFC3339.parse(w), let b = RFC3339.parse(g)
        {
            return a == b
        }
        return want.isEquivalent(to: got)
    }

    /// Lines up `expected` with `actual` in order, keeping as many exact
    /// matches as possible and pairing the rest where a pair explains more
    /// than a missing plus an extra record would. All steps are matches
    /// exactly when the test passes.
    public static func align(expected: [ExpectedRecord], actual: [JSONValue]) -> [AlignmentStep] {
        let n = expected.count, m = actual.count
        // Costs in thousandths: a gap is 1000, a differing pair 1000–1999
        // (more differing fields cost more), a match 0.
        var pairCost = [[Int]](repeating: [Int](repeating: 0, count: m), count: n)
        var pairFields = [[[FieldDifference]]](repeating: [[FieldDifference]](repeating: [], count: m), count: n)
        for i in 0..<n {
            for j in 0..<m {
                let d = differences(expected[i], actual[j])
                pairFields[i][j] = d
                pairCost[i][j] = d.isEmpty ? 0 : 1000 + 999 * d.count / (expected[i].fields.count + 1)
            }
        }
        var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n {
            for j in 0...m {
                if i == 0 && j == 0 { continue }
                var best = Int.max
                if i > 0 && j > 0 { best = cost[i - 1][j - 1] + pairCost[i - 1][j - 1] }
                if i > 0 { best = min(best, cost[i - 1][j] + 1000) }
                if j > 0 { best = min(best, cost[i][j - 1] + 1000) }
                cost[i][j] = best
            }
        }
        var steps: [AlignmentStep] = []
        var i = n, j = m
        while i > 0 || j > 0 {
            if i > 0 && j > 0 && cost[i][j] == cost[i - 1][j - 1] + pairCost[i - 1][j - 1] {
                let d = pairFields[i - 1][j - 1]
                steps.append(d.isEmpty ? .match(expected: i - 1, actual: j - 1) : .differs(expected: i - 1, actual: j - 1, fields: d))
                i -= 1
                j -= 1
            } else if j > 0 && cost[i][j] == cost[i][j - 1] + 1000 {
                steps.append(.extra(actual: j - 1))
                j -= 1
            } else {
                steps.append(.missing(expected: i - 1))
                i -= 1
            }
        }
        return steps.reversed()
    }
}
