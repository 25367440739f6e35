/// Which indices (of locations, regions or statuses) one filter of a rule
/// admits (docs/rule-language.md §10.2): one flag per index, built once
/// when the rule set is compiled. A rule without the filter has no mask
/// (`nil`), which admits every index; an index outside the table (an event
/// with no location, an unknown previous status: -1) is never admitted.
///
/// Most filters name one location or status: that index is kept as is (no
/// allocation, nothing to read but the rule); a filter of several is a
/// bit set, 64 indices per word.
struct FilterMask: Sendable {
    /// The one admitted index, or -1 when `bits` says.
    private let single: Int
    /// One bit per index (empty when `single` is set).
    private let bits: [UInt64]

    /// The mask admitting the indices of `names` found in `index`, out of
    /// `count`; nil when the rule has no such filter.
    init?(_ names: [String]?, _ index: [String: Int], count: Int) {
        guard let names else { return nil }
        self.init(found: names.lazy.compactMap { index[$0] }, count: count)
    }

    /// The mask admitting `indices` (those below `count`); nil when the
    /// rule has no such filter.
    init?(indices: [Int32]?, count: Int) {
        guard let indices else { return nil }
        self.init(found: indices.lazy.map(Int.init), count: count)
    }

    // Read in place, not gathered into arrays first: a rule set of 10,000
    // rules builds 30,000 masks, nearly all of a single index.
    private init(found: some Collection<Int>, count: Int) {
        var first = -1
        var several = false
        for i in found where i >= 0 && i < count {
            if first < 0 {
                first = i
            } else if i != first {
                several = true
                break
            }
        }
        guard several else {
            // No index at all admits nothing: -1 with no bits.
            single = first
            bits = []
            return
        }
        var bits = [UInt64](repeating: 0, count: (count + 63) / 64)
        for i in found where i >= 0 && i < count { bits[i >> 6] |= 1 << UInt64(i & 63) }
        single = -1
        self.bits = bits
    }

    /// Whether `index` passes the filter.
    @inline(__always)
    func admits(_ index: Int) -> Bool {
        if single >= 0 { return index == single }
        guard index >= 0, index >> 6 < bits.count else { return false }
        return bits[index >> 6] & (1 << UInt64(index & 63)) != 0
    }
}

extension Optional where Wrapped == FilterMask {
    /// Whether `index` passes the filter; true for a rule without it.
    @inline(__always)
    func admits(_ index: Int) -> Bool {
        guard let mask = self else { return true }
        return mask.admits(index)
    }
}
