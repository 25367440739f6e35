import Foundation
import HeraldTestSupport
import HeraldTesting

/// Runs the test files at `paths` (relative to `directory`; reported paths are absolute).
func runTests(in directory: TemporaryDirectory, _ paths: [String] = ["."], pattern: String? = nil) -> TestRunReport {
    TestRunner(options: .init(namePattern: pattern)).run(paths: paths.map { $0 == "." ? directory.url.path : directory.path($0) })
}
