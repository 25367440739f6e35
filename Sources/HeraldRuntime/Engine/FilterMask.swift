/// Which indices (of locations, regions or statuses) one filter of a rule
/// admits (docs/rule-language.md §10.2): one flag per index, built once
/// when the rule set is compiled. A rule without the filter has no mask
/// (`nil`), which admits every index; an index outside the table (an event
/// with no location, an unknown previous status: -1) is never admitted.
struct FilterMask: Sendable {
    private let admitted: [Bool]

    /// The mask admitting the indices of `names` found in `index`, out of
    /// `count`; nil when the rule has no such filter.
    init?(_ names: [String]?, _ index: [String: Int], count: Int) {
        guard let names else { return nil }
        var admitted = [Bool](repeating: false, count: count)
        for name in names { if let i = index[name] { admitted[i] = true } }
        self.admitted = admitted
    }

    /// Whether `index` passes the filter.
    @inline(__always)
    func admits(_ index: Int) -> Bool {
        index >= 0 && index < admitted.count && admitted[index]
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
