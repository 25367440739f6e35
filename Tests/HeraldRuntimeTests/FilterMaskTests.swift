@testable import HeraldRuntime
import Testing

/// `FilterMask`: one admitted index kept as is, several as a bit set; both
/// admit exactly the named indices, never -1 or an index past the table.
@Suite("Filter masks")
struct FilterMaskTests {
    static let index = Dictionary(uniqueKeysWithValues: (0..<200).map { ("n\($0)", $0) })

    @Test("a rule without the filter admits every index")
    func absent() {
        let mask = FilterMask(nil, Self.index, count: 200)
        #expect(mask == nil)
        #expect(mask.admits(-1))
        #expect(mask.admits(199))
    }

    @Test("the named indices and no others, for one name, repeats, several and unknown names", arguments: [
        ["n7"], ["n7", "n7"], ["n0", "n63", "n64", "n199"], ["n3", "unknown"], ["unknown"], [],
    ])
    func named(names: [String]) throws {
        let mask = try #require(FilterMask(names, Self.index, count: 200))
        let wanted = Set(names.compactMap { Self.index[$0] })
        for i in -1...260 { #expect(mask.admits(i) == wanted.contains(i), "index \(i) of \(names)") }
    }

    @Test("an index outside the table is not admitted even when named")
    func outside() throws {
        let mask = try #require(FilterMask(["n5", "n150"], Self.index, count: 100))
        #expect(mask.admits(5))
        #expect(!mask.admits(150))
        let single = try #require(FilterMask(["n150"], Self.index, count: 100))
        #expect(!single.admits(150))
    }
}
