import Foundation
import FuzzSupport
import HeraldRuntime

/// The entry point SwiftPM gives this executable (libFuzzer's own `main`,
/// when the linker takes that one, calls `LLVMFuzzerTestOneInput` below): runs libFuzzer on `fuzzBundle`.
@_cdecl("fuzz_bundle_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv, fuzzBundle)
}

/// A compiled bundle through the decoder; a bundle that decodes must give a
/// runtime that evaluates an event. The state-file decoder is fed the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let contents = FuzzSupport.data(data, size)
    if case .success(let ruleSet) = RuleBundle.decode(contents) {
        var state = RuntimeState()
        let event = #"{"id":"e1","type":"work_order.status_changed","occurred_at":"2026-04-07T13:00:00-03:00","location":"sp-centro","work_order":{"id":"WO-1","number":"1","status":"ready_for_pickup","previous_status":"in_repair"},"client":{"id":"C-1","name":"Maria","email":"maria@example.com","phone":"+5511999990000","accepts_email":true,"accepts_sms":true}}"#
        _ = Runtime(ruleSet: ruleSet).process(line: event, lineNumber: 1, state: &state, explain: true)
    }
    _ = StateFile.decode(contents)
    return 0
}
