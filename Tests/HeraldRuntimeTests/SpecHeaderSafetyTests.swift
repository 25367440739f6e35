import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// Nothing unsafe reaches a header or a file name in a rendered record:
/// subjects, addresses and the attachment's file name.
@Suite("header and file-name safety")
struct SpecHeaderSafetyTests {
    static let emailRuntime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: email", "template: t"))

    static func subject(name: String, template: String = "\"OS {{work_order.number}} {{client.name}}\"") -> String? {
        let yaml = S.base.replacingOccurrences(
            of: "  t:\n    sms: \"OS {{work_order.number}}\"\n    email:\n      subject: \"OS {{work_order.number}}\"",
            with: "  t:\n    sms: \"OS {{work_order.number}}\"\n    email:\n      subject: \(template)")
        let runtime = Runtime(ruleSet: S.ruleSet(yaml + "rules:\n" + Z.rule("on: work_order.status_changed", "channel: email", "template: t")))
        return S.run(runtime, [S.event("e1", client: ["name": name])]).first?.subject
    }

    @Test(
        "each line break or separator in a subject value becomes one space (a CRLF is one); controls and bidi overrides are dropped",
        arguments: [
            ("Maria\r\nBcc: x@y", "OS 1001 Maria Bcc: x@y"),
            ("Maria\nBcc", "OS 1001 Maria Bcc"),
            ("Maria\rBcc", "OS 1001 Maria Bcc"),
            ("Maria\u{85}Bcc", "OS 1001 Maria Bcc"),
            ("Maria\u{2028}Bcc", "OS 1001 Maria Bcc"),
            ("Maria\u{2029}Bcc", "OS 1001 Maria Bcc"),
            ("Maria\u{0B}Bcc", "OS 1001 Maria Bcc"),
            ("Maria\u{0C}Bcc", "OS 1001 Maria Bcc"),
            ("Maria\r\n\r\n\u{2028}Bcc", "OS 1001 Maria   Bcc"),
            ("a\n\nb", "OS 1001 a  b"),
            ("a\r\rb", "OS 1001 a  b"),
            ("a\n\rb", "OS 1001 a  b"),
            ("a\r\n\r\nb", "OS 1001 a  b"),
            ("Ma\u{0}ri\u{1B}[31ma", "OS 1001 Mari[31ma"),
            ("Ma\u{7F}ria\u{9B}", "OS 1001 Maria"),
            ("\u{202E}airaM", "OS 1001 airaM"),
            ("Ma\u{202A}\u{202B}\u{202C}\u{202D}ria", "OS 1001 Maria"),
            ("Ma\u{2066}\u{2067}\u{2068}\u{2069}ria", "OS 1001 Maria"),
            ("São Paulo ✓", "OS 1001 São Paulo ✓"),
        ])
    func subjectValues(name: String, expected: String) {
        #expect(Self.subject(name: name) == expected)
    }

    @Test("separators written in the template's own subject text fold too")
    func subjectLiteral() {
        #expect(Self.subject(name: "Maria", template: "\"OS\\n{{client.name}}\\u2028ok\\t!\"") == "OS Maria ok !")
    }

    @Test(
        "an email address with a control character is invalid-address",
        arguments: [
            "maria@example.com\r\nBcc: x@y.example", "maria@example.com\n", "ma\u{0}ria@example.com", "maria@exa\u{7F}mple.com",
            "maría@exa\u{85}mple.com", "maría@example.com\u{202E}", "maria@example.com\u{1B}",
        ])
    func controlInEmail(address: String) {
        let records = S.run(Self.emailRuntime, [S.event("e1", client: ["email": address])])
        #expect(records.map(\.reason) == ["invalid-address"])
    }

    @Test("a phone number with a control character is invalid-address", arguments: ["+5511999990000\r\n", "+55119999\u{0}90000"])
    func controlInPhone(phone: String) {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: sms", "template: t"))
        #expect(S.run(runtime, [S.event("e1", client: ["phone": phone])]).map(\.reason) == ["invalid-address"])
    }

    @Test("an ordinary non-ASCII address is still deliverable")
    func unicodeEmail() {
        #expect(S.run(Self.emailRuntime, [S.event("e1", client: ["email": "maría@exemplo.com.br"])]).first?.decision == .send)
    }

    @Test(
        "the attachment file name is work-order-NUMBER.pdf with a safe subset of the number, always ending in .pdf",
        arguments: [
            ("1001", "work-order-1001.pdf"),
            ("A-7", "work-order-A-7.pdf"),
            ("1\r\nBcc: x@y", "work-order-1-Bcc-x-y.pdf"),
            ("../../etc/passwd", "work-order-etc-passwd.pdf"),
            ("..", "work-order.pdf"),
            ("ção/Ω", "work-order-o.pdf"),
            ("abc-", "work-order-abc.pdf"),
            ("1001 ", "work-order-1001.pdf"),
            ("Ñ", "work-order.pdf"),
            ("A_b.c-Ñ", "work-order-A_b.c.pdf"),
            ("Nº 5", "work-order-N-5.pdf"),
            ("a\u{202E}fdp.exe", "work-order-a-fdp.exe.pdf"),
        ])
    func attachmentName(number: String, expected: String) throws {
        let yaml = S.base.replacingOccurrences(
            of: "      body: \"Olá {{client.name}}\"\n  lead:",
            with: "      body: \"Olá {{client.name}}\"\n      attach_report: true\n  lead:")
        let runtime = Runtime(ruleSet: S.ruleSet(yaml + "rules:\n" + Z.rule("on: work_order.status_changed", "channel: email", "template: t")))
        let records = S.run(runtime, [S.event("e1", workOrder: ["number": number, "report_url": "https://r.example/1.pdf"])])
        let name = try #require(records.first?.attachments?.first?.filename)
        #expect(name == expected)
        #expect(!name.contains("/") && !name.contains(".."))
        #expect(name.hasPrefix("work-order") && name.hasSuffix(".pdf"))
        #expect(SafeText.fileName(name) == name, "the service's rule leaves it as it is")
    }
}
