import Foundation
import FuzzSupport
import HeraldCompiler

/// The entry point SwiftPM gives this executable (libFuzzer's own `main`,
/// when the linker takes that one, calls `LLVMFuzzerTestOneInput` below): runs libFuzzer on `fuzzYAML`.
@_cdecl("fuzz_yaml_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv, fuzzYAML)
}

/// One rule file through the YAML front end and the compiler, and its
/// diagnostics through the text and SARIF renderers (source excerpts).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contents = FuzzSupport.data(data, size)
    let result = Compiler.compile(files: [(path: "fuzz.yaml", contents: contents)])
    let report = DiagnosticReport(results: [result])
    _ = DiagnosticFormatter(format: .text).string(for: report)
    _ = DiagnosticFormatter(format: .sarif).string(for: report)
    return 0
}
