import Foundation
import HeraldSyntax
import HeraldTestSupport
import Testing

@Suite("mutated input")
struct FuzzTests {
    static let pieces: [String] = [
        " ", "  ", "\n", "\r\n", "\t", "\"", "'", "\\", "|", ">", "-", ":", "#", "é", "–", "&a", "*a", "!!str",
        "<<", "[", "]", "{", "}", ",", "?", "|2", "\\u00e9", "x", "\n  ", "\n\n", "---\n", "''",
    ]

    @Test("mutated YAML never crashes, and every position map it yields is exact", arguments: 0..<8)
    func mutations(seed: Int) {
        var rng = SeededGenerator(seed: 0x9E37_79B9_7F4A_7C15 &+ UInt64(seed) &* 0x1000_0001)
        let sources = ScalarPositionTests.sources
        for _ in 0..<150 {
            var scalars = Array(sources[Int.random(in: 0..<sources.count, using: &rng)].unicodeScalars)
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0...scalars.count, using: &rng)
                if Bool.random(using: &rng), at < scalars.count {
                    scalars.removeSubrange(at..<min(scalars.count, at + Int.random(in: 1...3, using: &rng)))
                } else {
                    let piece = Self.pieces[Int.random(in: 0..<Self.pieces.count, using: &rng)]
                    scalars.insert(contentsOf: piece.unicodeScalars, at: at)
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let file = parse(text)
            if file.diagnostics.isEmpty { expectConsistentPositions(text) }
            for d in file.diagnostics {
                #expect(d.range.start.line >= 1 && d.range.start.line <= file.lines.count + 1, "\(d) in \(text)")
            }
        }
    }
}
