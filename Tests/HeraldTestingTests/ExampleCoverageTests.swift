import Foundation
import HeraldCompiler
import HeraldTestSupport
import HeraldTesting
import Testing

@Suite("the example rule set's tests")
struct ExampleCoverageTests {
    @Test("every rule in Rules is expected to send in some test under Rules")
    func everyRuleCovered() throws {
        let compiled = Compiler.compile(path: Repository.rules.path)
        let ruleSet = try #require(compiled.ruleSet, "Rules does not compile")
        var covered = Set<String>()
        for path in TestRunner.testFiles(in: Repository.rules.path) {
            let file = try #require(TestFileReader.read(path: path).file)
            for test in file.tests {
                for record in test.expect where record["decision"] == .string("send") {
                    if case .string(let rule)? = record["rule"] { covered.insert(rule) }
                }
            }
        }
        let uncovered = ruleSet.rules.map(\.id).filter { !covered.contains($0) }
        #expect(uncovered.isEmpty, "rules without a test that expects them to send: \(uncovered)")
    }
}
