import Foundation
import FuzzSupport
import HeraldTesting

/// The entry point SwiftPM gives this executable (libFuzzer's own `main`,
/// when the linker takes that one, calls `LLVMFuzzerTestOneInput` below): runs libFuzzer on `fuzzTestFile`.
@_cdecl("fuzz_test_file_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv, fuzzTestFile)
}

/// One `*.test.yaml` through the test-file reader, and its tests run against
/// the example rule set when it reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let reading = TestFileReader.read(FuzzSupport.data(data, size), path: "fuzz.test.yaml")
    if let file = reading.file {
        let runner = TestRunner()
        for test in file.tests.prefix(8) { _ = runner.run(test, runtime: FuzzSupport.runtime) }
    }
    return 0
}
