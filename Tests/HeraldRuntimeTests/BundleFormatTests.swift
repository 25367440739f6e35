import Foundation
import HeraldCompiler
import HeraldModel
@testable import HeraldRuntime
import HeraldTestSupport
import Testing

/// The compiled bundle (format 2): a faithful, deterministic round trip, and
/// a clear refusal, never a crash, for other versions and damaged bytes.
@Suite("Compiled bundles")
struct BundleFormatTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Rule sets with every feature the model has: the repository's `Rules/`
    /// (locations, regions, reminders, cancel_if, locales) and the golden
    /// rule set of the engine tests.
    static func ruleSets() -> [(name: String, ruleSet: RuleSet)] {
        let paths = [
            root.appendingPathComponent("../../Rules").standardized.path,
            root.appendingPathComponent("Fixtures/eval-features/rules").path,
        ]
        return paths.map { path in
            let result = Compiler.compile(path: path)
            #expect(!result.hasErrors, "\(path) does not compile")
            return (path, result.ruleSet ?? RuleSet())
        } + [("golden", EngineSupport.ruleSet(EngineGoldenTests.rules))]
    }

    static let event = EngineSupport.event("e1", workOrder: ["priority": "urgent"])

    @Test("a bundle decodes to the rule set it was written from, and gives the same records")
    func roundTrip() throws {
        for (name, ruleSet) in Self.ruleSets() {
            #expect(!ruleSet.rules.isEmpty, "\(name)")
            let data = try RuleBundle.encode(ruleSet)
            #expect(RuleBundle.isBundle(data))
            let decoded = try RuleBundle.decode(data).get()
            #expect(decoded == ruleSet, "\(name)")
            // The same rule set gives the same bytes (sorted dictionaries).
            #expect(try RuleBundle.encode(decoded) == data, "\(name)")
        }
    }

    @Test("the golden stream gives the same records from a decoded bundle")
    func goldenRecords() throws {
        let ruleSet = EngineSupport.ruleSet(EngineGoldenTests.rules)
        let decoded = try RuleBundle.decode(RuleBundle.encode(ruleSet)).get()
        #expect(EngineGoldenTests.ndjson(Runtime(ruleSet: decoded)) == EngineGoldenTests.ndjson(Runtime(ruleSet: ruleSet)))
    }

    @Test("a bundle of another Herald version or format is refused as such, with a one-line reason")
    func otherVersion() throws {
        var data = try RuleBundle.encode(RuleSet())
        data[RuleBundle.magic.count + 6] = UInt8(ascii: "9")
        let error = try #require(RuleBundle.decode(data).failure)
        #expect(error == .otherVersion)
        #expect(error.description.contains("recompile"))
        #expect(!error.description.contains("\n"))

        var format = try RuleBundle.encode(RuleSet())
        format[RuleBundle.magic.count] = 1
        #expect(RuleBundle.decode(format).failure == .otherVersion)
        #expect(RuleBundle.decode(format).failure?.description.contains("bundle format 1") == true)
    }

    @Test("a bundle of format 1 (JSON after the header) is refused as another version")
    func formatOne() {
        var data = Data(RuleBundle.magic)
        data.append(contentsOf: [1, 0, 0, 0])
        data.append(contentsOf: [5, 0])
        data.append(contentsOf: Array("0.1.0".utf8))
        data.append(contentsOf: Array(#"{"rules":[]}"#.utf8))
        #expect(RuleBundle.decode(data).failure == .otherVersion)
    }

    @Test("text that is not a bundle is refused as not a bundle")
    func notABundle() {
        #expect(!RuleBundle.isBundle(Data("rules:\n".utf8)))
        #expect(RuleBundle.decode(Data("rules:\n".utf8)).failure == .notABundle)
        #expect(RuleBundle.decode(Data()).failure == .notABundle)
        #expect(RuleBundle.decode(Data(RuleBundle.magic.dropLast())).failure == .notABundle)
    }

    @Test("a bundle cut at any length is refused as damaged (or not a bundle inside the magic)")
    func truncated() throws {
        for (name, ruleSet) in Self.ruleSets() {
            let data = try RuleBundle.encode(ruleSet)
            let step = max(1, data.count / 2_000)
            for cut in stride(from: 0, to: data.count, by: step) {
                let error = RuleBundle.decode(data.prefix(cut)).failure
                if cut < RuleBundle.magic.count {
                    #expect(error == .notABundle, "\(name) cut at \(cut)")
                } else {
                    #expect(error == .damaged, "\(name) cut at \(cut)")
                    #expect(error?.description.contains("\n") == false)
                }
            }
            var longer = data
            longer.append(0)
            #expect(RuleBundle.decode(longer).failure == .damaged, "\(name) with a byte more")
        }
    }

    @Test("a flipped byte anywhere after the header is refused as damaged")
    func flipped() throws {
        let ruleSet = Self.ruleSets()[0].ruleSet
        let data = try RuleBundle.encode(ruleSet)
        let headerEnd = RuleBundle.magic.count + 6 + RuleBundle.heraldVersion.utf8.count
        for i in headerEnd..<data.count {
            var damaged = data
            damaged[i] ^= 0x20
            #expect(RuleBundle.decode(damaged).failure == .damaged, "byte \(i)")
        }
    }

    /// The body reader's own checks, with the checksum out of the way: every
    /// byte flipped, cut bodies and random bytes give a rule set or `.damaged`,
    /// never a trap, and a rule set that comes out evaluates an event.
    @Test("the body reader refuses damaged bytes without trapping, even past the checksum")
    func readerChecks() throws {
        let ruleSet = Self.ruleSets()[2].ruleSet
        let data = try RuleBundle.encode(ruleSet)
        let bodyStart = RuleBundle.magic.count + 6 + RuleBundle.heraldVersion.utf8.count + 16
        func decodeUnchecked(_ bytes: [UInt8]) -> Result<RuleSet, RuleBundle.LoadError> {
            // Keep the size field right so the reader, not the length check, sees the damage.
            var bytes = bytes
            let size = UInt64(bytes.count - bodyStart).littleEndian
            withUnsafeBytes(of: size) { bytes.replaceSubrange((bodyStart - 16)..<(bodyStart - 8), with: $0) }
            return bytes.withUnsafeBytes { RuleBundle.decode($0, verifyingChecksum: false) }
        }
        func check(_ bytes: [UInt8], _ what: String) {
            switch decodeUnchecked(bytes) {
            case .success(let decoded):
                var state = RuntimeState()
                _ = Runtime(ruleSet: decoded).process(line: Self.event, lineNumber: 1, state: &state, explain: true)
            case .failure(let error):
                #expect(error == .damaged, "\(what)")
            }
        }
        let bytes = [UInt8](data)
        #expect((try? decodeUnchecked(bytes).get()) == ruleSet)
        let step = max(1, (bytes.count - bodyStart) / 1_500)
        for i in stride(from: bodyStart, to: bytes.count, by: step) {
            for pattern: UInt8 in [0x01, 0xFF] {
                var damaged = bytes
                damaged[i] ^= pattern
                check(damaged, "byte \(i) ^ \(pattern)")
            }
        }
        for cut in stride(from: bodyStart, to: bytes.count, by: step) { check(Array(bytes[..<cut]), "cut at \(cut)") }
        var generator = SeededGenerator(seed: 13)
        for n in 0..<500 {
            var damaged = bytes
            for _ in 0..<(1 + n % 8) {
                let i = bodyStart + Int(generator.next() % UInt64(bytes.count - bodyStart))
                damaged[i] = UInt8(truncatingIfNeeded: generator.next())
            }
            check(damaged, "random damage \(n)")
            let garbage = (0..<(n * 7 % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            check(Array(bytes[..<bodyStart]) + garbage, "random body \(n)")
        }
    }

    /// Every text of a template, base first, then the locales by key.
    static func texts(_ t: Template) -> [TemplateText?] {
        ([t.base] + t.locales.sorted { $0.key < $1.key }.map(\.value)).flatMap {
            [$0.sms, $0.email?.subject, $0.email?.body, $0.email?.html]
        }
    }

    @Test("template segments left in the bundle until read equal, hash and encode as the compiled ones")
    func segmentsOnFirstUse() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for (name, ruleSet) in Self.ruleSets() {
            let decoded = try RuleBundle.decode(RuleBundle.encode(ruleSet)).get()
            #expect(!ruleSet.templates.isEmpty, "\(name)")
            for (id, template) in ruleSet.templates {
                let loaded = try #require(decoded.templates[id], "\(name) \(id)")
                let pairs = zip(Self.texts(loaded), Self.texts(template))
                for (a, b) in pairs {
                    #expect(a?.segments == b?.segments, "\(name) \(id)")
                    #expect(a?.hashValue == b?.hashValue, "\(name) \(id)")
                    // Read twice, the same segments.
                    #expect(a?.segments == a?.segments, "\(name) \(id)")
                }
                #expect(loaded.hashValue == template.hashValue, "\(name) \(id)")
            }
            #expect(try encoder.encode(decoded.templates) == encoder.encode(ruleSet.templates), "\(name)")
        }
    }

    @Test("a text read from a bundle takes new segments when they are set")
    func segmentsReplaced() throws {
        let ruleSet = Self.ruleSets()[2].ruleSet
        let decoded = try RuleBundle.decode(RuleBundle.encode(ruleSet)).get()
        let texts = decoded.templates.values.compactMap { $0.base.sms ?? $0.base.email?.body }
        let loaded = try #require(texts.first)
        var text = loaded
        text.segments = [.text("replaced")]
        #expect(text.segments == [.text("replaced")])
        #expect(text != loaded)
        #expect(text.source == loaded.source)
    }

    /// A store that counts its reads, for `TemplateText`'s own behaviour.
    final class CountingStore: TemplateSegmentStore, @unchecked Sendable {
        var reads = 0
        func segments(at position: Int) -> [TemplateSegment] {
            reads += 1
            return [.text("at \(position)")]
        }
    }

    @Test("a stored text asks its store on every read, and equal positions compare equal without a read")
    func storedText() {
        let store = CountingStore()
        let a = TemplateText(source: "s", segmentsAt: 4, in: store)
        let b = TemplateText(source: "s", segmentsAt: 4, in: store)
        #expect(store.reads == 0)
        #expect(a == b)
        #expect(store.reads == 0)
        #expect(a.segments == [.text("at 4")])
        #expect(a.segments == [.text("at 4")])
        #expect(store.reads == 2)
        #expect(a == TemplateText(source: "s", segments: [.text("at 4")]))
        #expect(a != TemplateText(source: "s", segmentsAt: 5, in: store))
        #expect(a != TemplateText(source: "t", segmentsAt: 4, in: store))
    }

    @Test("a condition nested deeper than the format allows is refused when writing")
    func tooDeep() {
        var condition = RuleExpression.literal(.bool(true))
        for _ in 0..<300 { condition = .not(condition) }
        var ruleSet = RuleSet()
        ruleSet.rules = [Rule(id: "r", index: 0, kind: .event(.workOrderCreated), condition: condition, channels: [.sms], template: "t")]
        #expect(throws: RuleBundle.EncodeError.self) { try RuleBundle.encode(ruleSet) }
    }
}

extension Result {
    /// The error, if this is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// `herald lint` recognises a compiled bundle by the compiler's copy of the
/// magic (the compiler cannot see the runtime); the two must agree.
@Suite("Bundle magic")
struct BundleMagicTests {
    @Test("the compiler's bundle magic is the start of RuleBundle.magic")
    func agree() {
        #expect(RuleBundle.magic.starts(with: Compiler.compiledRuleSetMagic))
    }
}
