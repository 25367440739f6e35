import FuzzSupport
import HeraldCompiler

/// A scope with statuses and custom fields of every type.
let scope = FieldScope(
    schema: Schema(
        statuses: [.workOrder: ["open", "in_repair", "ready_for_pickup", "delivered"], .lead: ["new", "won", "lost"]],
        customFields: [
            .workOrder: [
                "priority": FieldSpec(name: "priority", type: .enumeration(["low", "normal", "urgent"]), optional: true, custom: true),
                "total": FieldSpec(name: "total", type: .decimal, optional: true, custom: true),
                "items": FieldSpec(name: "items", type: .int, optional: true, custom: true),
                "pickup_at": FieldSpec(name: "pickup_at", type: .datetime, optional: true, custom: true),
            ],
            .client: ["vip": FieldSpec(name: "vip", type: .bool, optional: true, custom: true)],
        ]),
    entities: [.event, .client, .workOrder], context: "trigger work_order.status_changed")

/// The entry point SwiftPM gives this executable (libFuzzer's own `main`,
/// when the linker takes that one, calls `LLVMFuzzerTestOneInput` below): runs libFuzzer on `fuzzLanguages`.
@_cdecl("fuzz_languages_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.run(argc, argv, fuzzLanguages)
}

/// The small languages: the first byte picks one (expression, template,
/// duration, hours days, hours spans), the rest is its text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLanguages(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let count = text.unicodeScalars.count
    func check(_ issue: LocalIssue) {
        precondition(issue.from >= 0 && issue.from <= issue.to && issue.to <= count, "issue out of bounds: \(issue)")
    }
    switch data[0] % 5 {
    case 0:
        let (expression, issues) = ExpressionSyntax.check(text, scope: scope)
        issues.forEach(check)
        precondition((expression == nil) == !issues.isEmpty)
    case 1:
        let (template, issues) = TemplateSyntax.parse(text)
        issues.forEach(check)
        if let template { _ = TemplateSyntax.literalText(of: template) }
        TemplateSyntax.check(text, scope: scope).forEach(check)
        _ = SMSSegments.count(text)
    case 2:
        if case .failure(let issue) = DurationSyntax.parse(text) { check(issue) }
    case 3:
        if case .failure(let issue) = HoursSyntax.parseDays(text) { check(issue) }
    default:
        if case .failure(let issue) = HoursSyntax.parseSpans(text) { check(issue) }
    }
    return 0
}
