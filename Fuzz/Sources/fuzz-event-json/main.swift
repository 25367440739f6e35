import FuzzSupport
import HeraldRuntime

/// The entry point SwiftPM gives this executable (libFuzzer's own `main`,
/// when the linker takes that one, calls `LLVMFuzzerTestOneInput` below): runs libFuzzer on `fuzzEventJSON`.
@_cdecl("fuzz_event_json_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv, fuzzEventJSON)
}

/// One NDJSON line through the runtime with the example rule set: the event
/// JSON reader, validation, every rule, rendering and the record writer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var state = RuntimeState()
    let line = FuzzSupport.bytes(data, size)
    for record in FuzzSupport.runtime.process(line: line, lineNumber: 1, state: &state, explain: true) {
        _ = record.jsonLine
    }
    // The same event again: the state it left must be usable (duplicate-event).
    _ = FuzzSupport.runtime.process(line: line, lineNumber: 2, state: &state)
    return 0
}
