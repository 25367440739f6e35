import FuzzSupport
import HeraldRuntime

/// The entry point SwiftPM gives this executable (libFuzzer's own `main`,
/// when the linker takes that one, calls `LLVMFuzzerTestOneInput` below): runs libFuzzer on `fuzzEventJSON`.
@_cdecl("fuzz_event_json_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv, fuzzEventJSON)
}

/// One writer for every input: the member order it learned from earlier
/// inputs is tried first on each new one (`KeyOrder`), and the slot block
/// of the last event is reused. One input runs at a time.
nonisolated(unsafe) var streamWriter = NDJSONWriter()

/// One NDJSON line through the runtime with the example rule set: the event
/// JSON reader, validation, every rule, rendering and the record writer.
/// The line's records from the long-lived writer must be the bytes a fresh
/// one writes (a difference stops the run as a crash).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var state = RuntimeState()
    let line = FuzzSupport.bytes(data, size)
    for record in FuzzSupport.runtime.process(line: line, lineNumber: 1, state: &state, explain: true) {
        _ = record.jsonLine
    }
    // The same event again: the state it left must be usable (duplicate-event).
    _ = FuzzSupport.runtime.process(line: line, lineNumber: 2, state: &state)

    var fresh: [UInt8] = []
    var freshState = RuntimeState()
    var streamState = RuntimeState()
    streamWriter.removeAll()
    line.withUnsafeBytes {
        FuzzSupport.runtime.process(line: $0, lineNumber: 1, state: &freshState, explain: false, appendingJSONTo: &fresh)
        streamWriter.process(line: $0, lineNumber: 1, runtime: FuzzSupport.runtime, state: &streamState)
    }
    let streamed = streamWriter.withBytes { [UInt8]($0) }
    precondition(streamed == fresh, "a writer that learned earlier inputs' member order wrote other records")
    return 0
}
