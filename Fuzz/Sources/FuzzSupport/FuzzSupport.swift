import CLibFuzzer
import Foundation
public import HeraldCompiler
public import HeraldRuntime

/// What the fuzz targets share: the example rule set, compiled once.
public enum FuzzSupport {
    /// The rule set at `$HERALD_FUZZ_RULES` (default `Rules`, relative to the
    /// directory the fuzzer runs in: Fuzz/run.sh runs it at the repository root).
    public static let ruleSet: RuleSet = {
        let path = ProcessInfo.processInfo.environment["HERALD_FUZZ_RULES"] ?? "Rules"
        let result = Compiler.compile(path: path)
        guard let ruleSet = result.ruleSet else {
            fatalError("the fuzz rule set '\(path)' does not compile: \(result.diagnostics.map(\.message))")
        }
        return ruleSet
    }()

    /// A runtime for `ruleSet`.
    public static let runtime = Runtime(ruleSet: ruleSet)

    /// Runs libFuzzer with the process's arguments and `body` as the
    /// function under test (`LLVMFuzzerRunDriver`); returns its exit status.
    public static func run(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
        _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt {
        var count = argc
        var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&count, &arguments, body)
    }

    /// The bytes libFuzzer hands over, as an array.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The bytes libFuzzer hands over, as `Data`.
    public static func data(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Data {
        guard let data else { return Data() }
        return Data(bytes: data, count: size)
    }
}
