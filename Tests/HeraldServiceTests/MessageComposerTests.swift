import Foundation
import HeraldRuntime
import HeraldTestSupport
import Testing
@testable import HeraldService

@Suite("Message composer (RFC 5322, MIME)")
struct MessageComposerTests {
    let from = MailAddress.parse("Acme Reparos <no-reply@acme.example>")!
    let date = Date(timeIntervalSince1970: 1_780_000_000)

    func compose(
        subject: String = "Ordem de serviço 1001 aberta", body: String = "Olá Maria,\nsua OS está pronta.",
        html: String? = nil, attachments: [MessageComposer.Attachment] = [], to: String = "maria@example.com"
    ) throws -> String {
        let m = MessageComposer.Message(
            id: "01abc", from: from, to: to, replyTo: "centro@acme.example", subject: subject, body: body, html: html,
            attachments: attachments, date: date)
        return String(decoding: try MessageComposer().compose(m), as: UTF8.self)
    }

    /// Parses a message with Python's `email` package and returns what it saw.
    func python(_ message: String) throws -> [String: Any] {
        let dir = try TemporaryDirectory("mime", files: ["m.eml": message])
        defer { dir.remove() }
        let script = """
            import email, email.policy, json, sys, base64
            m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
            out = {'subject': str(m['Subject']), 'from': [a.addr_spec for a in m['From'].addresses],
                   'from_name': m['From'].addresses[0].display_name, 'to': str(m['To']), 'reply_to': str(m['Reply-To']),
                   'message_id': str(m['Message-ID']), 'type': m.get_content_type(), 'defects': len(m.defects)}
            p = m.get_body(('plain',)); out['plain'] = p.get_content().replace('\\r\\n', '\\n') if p is not None else None
            h = m.get_body(('html',)); out['html'] = h.get_content().replace('\\r\\n', '\\n') if h is not None else None
            out['attachments'] = [[a.get_content_type(), a.get_filename(), base64.b64encode(a.get_content()).decode()] for a in m.iter_attachments()]
            print(json.dumps(out))
            """
        let run = try Subprocess.run(command: "python3", ["-c", script, dir.path("m.eml")])
        return (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
    }

    @Test("Python's email parser reads headers, the encoded subject and the text back")
    func plain() throws {
        let raw = try compose()
        #expect(raw.allSatisfy { $0.isASCII }, "the message is 7-bit on the wire")
        #expect(raw.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 78 })
        let m = try python(raw)
        #expect(m["subject"] as? String == "Ordem de serviço 1001 aberta")
        #expect(m["from"] as? [String] == ["no-reply@acme.example"])
        #expect(m["from_name"] as? String == "Acme Reparos")
        #expect(m["to"] as? String == "maria@example.com")
        #expect(m["reply_to"] as? String == "centro@acme.example")
        #expect(m["message_id"] as? String == "<01abc@acme.example>")
        #expect(m["type"] as? String == "text/plain")
        #expect(m["plain"] as? String == "Olá Maria,\nsua OS está pronta.\n")
        #expect(m["defects"] as? Int == 0)
    }

    @Test("html makes multipart/alternative; an attachment makes multipart/mixed with the exact bytes")
    func multipart() throws {
        let pdf = Array("%PDF-1.4\n\u{1}\u{2}binary\n%%EOF\n".utf8) + [0xFF, 0x00, 0x80]
        let raw = try compose(
            html: "<p>Olá <b>Maria</b></p>",
            attachments: [.init(filename: "work-order-1001.pdf", contentType: "application/pdf", data: pdf)])
        let m = try python(raw)
        #expect(m["type"] as? String == "multipart/mixed")
        #expect(m["html"] as? String == "<p>Olá <b>Maria</b></p>\n")
        let attachments = m["attachments"] as? [[String]] ?? []
        #expect(attachments.count == 1)
        #expect(attachments.first?[0] == "application/pdf")
        #expect(attachments.first?[1] == "work-order-1001.pdf")
        #expect(attachments.first?[2] == Data(pdf).base64EncodedString())
    }

    @Test("long subjects are split into encoded words and folded; lines stay short")
    func longSubject() throws {
        let subject = String(repeating: "Ação concluída com sucesso — ", count: 8)
        let raw = try compose(subject: subject)
        #expect(raw.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        let parsed = try python(raw)["subject"] as? String
        #expect(parsed?.replacingOccurrences(of: " ", with: "") == subject.replacingOccurrences(of: " ", with: ""))
    }

    @Test("an ASCII word too long to fold is sent as encoded words: every line within 78 characters")
    func longWord() throws {
        let word = String(repeating: "A1", count: 600)
        let subject = "OS \(word) pronta"
        let raw = try MessageComposer().compose(
            MessageComposer.Message(
                id: "01abc", from: MailAddress.parse("\(String(repeating: "x", count: 200)) <no-reply@acme.example>")!,
                to: "maria@example.com", replyTo: nil, subject: subject, body: "b", html: nil, attachments: [], date: date))
        let text = String(decoding: raw, as: UTF8.self)
        let long = text.split(separator: "\r\n").filter { $0.utf8.count > 78 }
        #expect(long.isEmpty, "\(long.map(\.count))")
        let parsed = try python(text)
        #expect((parsed["subject"] as? String)?.replacingOccurrences(of: " ", with: "") == subject.replacingOccurrences(of: " ", with: ""))
        // Python keeps the space between encoded words of a display name (RFC 2047 §6.2 drops it).
        #expect((parsed["from_name"] as? String)?.replacingOccurrences(of: " ", with: "") == String(repeating: "x", count: 200))
        #expect(parsed["defects"] as? Int == 0)
        // Words that fold stay readable as they are.
        #expect(try compose(subject: "Ordem de servico 1001 aberta").contains("Subject: Ordem de servico 1001 aberta\r\n"))
    }

    @Test(
        "a From name with RFC 5322 specials is a quoted string: one mailbox, the name kept",
        arguments: ["Acme, Inc.", "Acme: Service", "Acme; Co", "A@B Shop", "Shop (Centro)", #"Say "hi" \ Co"#, "J. Smith"])
    func quotedFromName(name: String) throws {
        let raw = try MessageComposer().compose(
            MessageComposer.Message(
                id: "01abc", from: MailAddress(name: name, address: "no-reply@acme.example"),
                to: "maria@example.com", replyTo: nil, subject: "s", body: "b", html: nil, attachments: [], date: date))
        let parsed = try python(String(decoding: raw, as: UTF8.self))
        #expect(parsed["from"] as? [String] == ["no-reply@acme.example"], "\(parsed)")
        #expect(parsed["from_name"] as? String == name)
        #expect(parsed["defects"] as? Int == 0)
        // Plain words stay as they are.
        #expect(MessageComposer.encode(address: MailAddress(name: "Acme Centro", address: "a@b.example")) == "Acme Centro <a@b.example>")
    }

    @Test("no header injection: line separators fold, control and bidi characters drop")
    func injection() throws {
        let raw = try compose(subject: "Hi\r\nBcc: evil@x.y\u{2028}next\u{202E}rev\u{0}")
        #expect(!raw.contains("\r\nBcc:"))
        let m = try python(raw)
        #expect(m["subject"] as? String == "Hi Bcc: evil@x.y nextrev")
    }

    @Test("a recipient with a control character is refused")
    func badRecipient() {
        #expect(throws: MessageComposer.CompositionError.self) { try compose(to: "a@b.c\u{0}") }
        #expect(throws: MessageComposer.CompositionError.self) { try compose(to: "a@b.c\r\nBcc: x@y.z") }
    }

    @Test("attachment names keep only a safe subset")
    func filenames() {
        #expect(MessageComposer.safeFilename("work-order-1\r\nBcc: x@y.pdf") == "work-order-1-Bcc-x-y.pdf")
        #expect(MessageComposer.safeFilename("work-order-../../etc/passwd.pdf") == "work-order-etc-passwd.pdf")
        #expect(MessageComposer.safeFilename("") == "attachment")
    }

    @Test("the runtime's record file names and subjects follow the composer's rules exactly")
    func sameRulesAsTheRuntime() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "Z", "0", ".", "-", "_", "/", "\\", " ", "\r", "\n", "\r\n", "ç", "Ω", "\u{202E}", "\u{2028}", "\u{85}", "\u{0}", "\t", "@", ":"]
        var samples = ["work-order-1\r\nBcc: x@y.pdf", "work-order-../../etc/passwd.pdf", "", "..", "-.-", "work-order-.pdf"]
        for _ in 0..<2000 {
            let length = Int.random(in: 0...12, using: &generator)
            samples.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for sample in samples {
            #expect(SafeText.fileName(sample) == MessageComposer.safeFilename(sample), "\(sample.debugDescription)")
            #expect(SafeText.header(sample) == MessageComposer.headerText(sample), "\(sample.debugDescription)")
        }
    }

    @Test("long body lines are soft-broken by quoted-printable and come back whole")
    func quotedPrintable() throws {
        let body = String(repeating: "çãõ abc = 123 ", count: 30)
        let raw = try compose(body: body)
        #expect(raw.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 76 || $0.hasPrefix("Subject") })
        let plain = try python(raw)["plain"] as? String
        #expect(plain == body + "\n")
    }
}

/// The dates the service writes: the `Date:` header (RFC 5322) and the
/// times of its API and log (RFC 3339, UTC, milliseconds), both from the
/// model's civil-date arithmetic.
@Suite("Service dates")
struct ServiceDateTests {
    @Test(
        "the Date header names the weekday and month in English, in UTC",
        arguments: [
            (1_796_009_349.0, "Mon, 30 Nov 2026 03:29:09 +0000"),
            (0.0, "Thu, 1 Jan 1970 00:00:00 +0000"),
            (-86_401.0, "Tue, 30 Dec 1969 23:59:59 +0000"),
            (951_782_400.0, "Tue, 29 Feb 2000 00:00:00 +0000"),
        ])
    func rfc5322(seconds: Double, expected: String) {
        #expect(MessageComposer.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("service times are RFC 3339 in UTC with milliseconds")
    func rfc3339() {
        #expect(ServiceTime.rfc3339(1_796_009_349.25) == "2026-11-30T03:29:09.250Z")
        #expect(ServiceTime.rfc3339(951_782_400) == "2000-02-29T00:00:00.000Z")
        #expect(ServiceTime.rfc3339(-86_401) == "1969-12-30T23:59:59.000Z")
    }
}
