public import Foundation
import HeraldModel
import HeraldRuntime

/// An email address with an optional display name, as in `From:`.
public struct MailAddress: Sendable, Hashable {
    /// The display name ("Acme"), if any.
    public var name: String?
    /// `user@domain`.
    public var address: String

    /// Parses `Name <user@domain>` or `user@domain`; nil when it is neither
    /// or holds characters that cannot stand in a header.
    public static func parse(_ text: String) -> MailAddress? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix(">"), let open = t.lastIndex(of: "<") {
            let address = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
            var name = t[..<open].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            guard isValid(address), !name.unicodeScalars.contains(where: MessageComposer.isUnsafe) else { return nil }
            return MailAddress(name: name.isEmpty ? nil : name, address: address)
        }
        return isValid(t) ? MailAddress(name: nil, address: t) : nil
    }

    /// One `@`, a non-empty local part, a domain with a dot, and no spaces,
    /// control characters or header punctuation.
    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return false }
        return !address.unicodeScalars.contains { s in
            s.value <= 0x20 || s.value == 0x7F || "<>,;:\"()[]\\".unicodeScalars.contains(s) || MessageComposer.isUnsafe(s)
        }
    }

    /// The domain part.
    public var domain: String { String(address.split(separator: "@").last ?? "localhost") }
}

/// Makes the RFC 5322 / MIME bytes of an email delivery (RFC 2045–2047):
/// encoded-word subjects and names, folded headers, quoted-printable text,
/// `multipart/alternative` with the html part and `multipart/mixed` with
/// attachments. The same bytes go to the directory transport and to SMTP.
/// The message depends only on its inputs (the boundary comes from the
/// delivery id), so a retry sends the same message with the same `Message-ID`.
public struct MessageComposer: Sendable {
    /// An attachment's bytes and names.
    public struct Attachment: Sendable, Hashable {
        /// File name shown to the reader.
        public var filename: String
        /// MIME type.
        public var contentType: String
        /// The bytes.
        public var data: [UInt8]

        /// Creates an attachment.
        public init(filename: String, contentType: String, data: [UInt8]) {
            self.filename = filename
            self.contentType = contentType
            self.data = data
        }
    }

    /// The message to compose.
    public struct Message: Sendable, Hashable {
        /// The delivery id: `Message-ID` is `<ID@DOMAIN-OF-FROM>`.
        public var id: String
        /// Sender.
        public var from: MailAddress
        /// Recipient address.
        public var to: String
        /// Reply-To address, if any.
        public var replyTo: String?
        /// Subject text (any Unicode).
        public var subject: String
        /// Plain-text body.
        public var body: String
        /// HTML body, if any.
        public var html: String?
        /// Attachments.
        public var attachments: [Attachment]
        /// The `Date` header.
        public var date: Date

        /// Creates a message.
        public init(
            id: String, from: MailAddress, to: String, replyTo: String? = nil, subject: String, body: String,
            html: String? = nil, attachments: [Attachment] = [], date: Date
        ) {
            self.id = id
            self.from = from
            self.to = to
            self.replyTo = replyTo
            self.subject = subject
            self.body = body
            self.html = html
            self.attachments = attachments
            self.date = date
        }
    }

    /// Why a message cannot be composed.
    public struct CompositionError: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Creates a composer.
    public init() {}

    /// The message's bytes, lines ending in CRLF.
    public func compose(_ m: Message) throws(CompositionError) -> [UInt8] {
        guard MailAddress.isValid(m.to) else {
            throw CompositionError(description: "invalid-address: '\(Self.printable(m.to))' cannot be used as a recipient")
        }
        var out = ""
        header("From", Self.encode(address: m.from), into: &out)
        header("To", m.to, into: &out)
        if let r = m.replyTo, MailAddress.isValid(r) { header("Reply-To", r, into: &out) }
        header("Subject", Self.encodedWords(Self.headerText(m.subject)), into: &out)
        header("Date", Self.rfc5322Date(m.date), into: &out)
        header("Message-ID", "<\(Self.safeID(m.id))@\(m.from.domain)>", into: &out)
        header("MIME-Version", "1.0", into: &out)
        header("Auto-Submitted", "auto-generated", into: &out)
        let boundary = "=_herald_" + Self.safeID(m.id)
        let text = Part(
            headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
            body: Self.quotedPrintable(m.body))
        var content = text
        if let html = m.html {
            let htmlPart = Part(
                headers: ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                body: Self.quotedPrintable(html))
            content = Self.multipart("alternative", boundary: boundary + "_alt", [text, htmlPart])
        }
        if !m.attachments.isEmpty {
            var parts = [content]
            for a in m.attachments {
                let name = Self.safeFilename(a.filename)
                parts.append(
                    Part(
                        headers: [
                            "Content-Type: \(a.contentType); name=\"\(name)\"",
                            "Content-Disposition: attachment; filename=\"\(name)\"",
                            "Content-Transfer-Encoding: base64",
                        ], body: Self.base64Lines(a.data)))
            }
            content = Self.multipart("mixed", boundary: boundary + "_mix", parts)
        }
        for h in content.headers { out += h + "\r\n" }
        out += "\r\n"
        out += content.body
        return Array(out.utf8)
    }

    struct Part {
        var headers: [String]
        var body: String
    }

    static func multipart(_ subtype: String, boundary: String, _ parts: [Part]) -> Part {
        var body = "This is a message in MIME format.\r\n"
        for p in parts {
            body += "\r\n--\(boundary)\r\n"
            for h in p.headers { body += h + "\r\n" }
            body += "\r\n" + p.body
            if !p.body.hasSuffix("\r\n") { body += "\r\n" }
        }
        body += "\r\n--\(boundary)--\r\n"
        return Part(headers: ["Content-Type: multipart/\(subtype); boundary=\"\(boundary)\""], body: body)
    }

    /// Appends `Name: value`, folded at spaces so that lines stay within 78 characters.
    func header(_ name: String, _ value: String, into out: inout String) {
        var line = name + ":"
        var first = true
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if !first && line.utf8.count + 1 + word.utf8.count > 78 {
                out += line + "\r\n"
                line = ""
            }
            line += " " + word
            first = false
        }
        out += line + "\r\n"
    }

    // MARK: Encodings

    /// A character that must not reach a header: controls, line and
    /// paragraph separators, bidi overrides and isolates (`SafeText.isUnsafe`,
    /// the rule the records follow).
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool { SafeText.isUnsafe(s) }

    /// Header text: each line break (a CRLF is one) or separator becomes one
    /// space, other control and bidi-override characters are dropped —
    /// `SafeText.header`, so a record's subject is what is sent.
    static func headerText(_ s: String) -> String { SafeText.header(s) }

    /// A delivery id as it may stand in a header or file name.
    static func safeID(_ id: String) -> String {
        String(String.UnicodeScalarView(id.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }))
    }

    /// An attachment name made only of letters, digits, `.`, `_` and `-`.
    public static func safeFilename(_ name: String) -> String {
        var out = ""
        var lastDash = false
        for s in name.unicodeScalars {
            let ok = s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "_")
            if ok {
                out.unicodeScalars.append(s)
                lastDash = false
            } else if !lastDash {
                out += "-"
                lastDash = true
            }
        }
        while out.contains("..") || out.contains("-.") || out.contains(".-") || out.contains("--") {
            out = out.replacingOccurrences(of: "..", with: ".").replacingOccurrences(of: "-.", with: "-")
                .replacingOccurrences(of: ".-", with: "-").replacingOccurrences(of: "--", with: "-")
        }
        out = out.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
        return out.isEmpty ? "attachment" : out
    }

    /// `From`: the name as is when it is ASCII words (RFC 5322 `atext` and
    /// spaces), as a quoted string when it is other printable ASCII (a
    /// comma, colon, `@`, parenthesis…, which would otherwise split or
    /// change the address list), else as encoded words.
    static func encode(address: MailAddress) -> String {
        guard let name = address.name.map(headerText), !name.isEmpty else { return address.address }
        guard isPlainHeaderText(name) else { return encodedWords(name) + " <\(address.address)>" }
        let atext = name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || " !#$%&'*+-/=?^_`{|}~".unicodeScalars.contains($0)
        }
        if atext { return name + " <\(address.address)>" }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"" + escaped + "\" <\(address.address)>"
    }

    /// The longest word a header keeps as it is: folding happens only at
    /// spaces, so a longer one would make a line longer than 78 characters
    /// (RFC 5322 §2.1.1 allows 998 at most); it is sent as encoded words.
    static let longestPlainWord = 60

    /// Whether `s` can stand in a header as it is: printable ASCII, no
    /// encoded-word marker, no word longer than `longestPlainWord`.
    static func isPlainHeaderText(_ s: String) -> Bool {
        s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && !s.contains("=?")
            && !s.split(separator: " ").contains { $0.utf8.count > longestPlainWord }
    }

    /// RFC 2047 `=?utf-8?B?…?=` words when `s` is not plain ASCII or has a
    /// word too long to fold; each word at most 60 characters and never
    /// splitting a character.
    static func encodedWords(_ s: String) -> String {
        if isPlainHeaderText(s) { return s }
        var words: [String] = []
        var chunk: [UInt8] = []
        // 36 bytes make 48 base64 characters: a 60-character word, which
        // fits on a folded line even after "Subject: " (RFC 2047 §2: 75).
        for ch in s.unicodeScalars {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 36 {
                words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: " ")
    }

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text, lines of at most 76
    /// characters, hard line breaks as CRLF.
    static func quotedPrintable(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var length = 0
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let last = i == bytes.count - 1
                var piece: [UInt8]
                if (b >= 33 && b <= 126 && b != 61) || ((b == 32 || b == 9) && !last) {
                    piece = [b]
                } else {
                    piece = [61, hex[Int(b >> 4)], hex[Int(b & 15)]]
                }
                if length + piece.count > 75 {
                    out += [61, 13, 10]
                    length = 0
                }
                out += piece
                length += piece.count
            }
            out += [13, 10]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 in lines of 76 characters ending in CRLF.
    static func base64Lines(_ data: [UInt8]) -> String {
        let b = Data(data).base64EncodedString()
        var out = ""
        var i = b.startIndex
        while i < b.endIndex {
            let j = b.index(i, offsetBy: 76, limitedBy: b.endIndex) ?? b.endIndex
            out += b[i..<j] + "\r\n"
            i = j
        }
        return out
    }

    static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { isUnsafe($0) ? "?" : $0 }))
    }

    /// `Mon, 30 Nov 2026 03:29:09 +0000`.
    public static func rfc5322Date(_ date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
        let secs = t - days * 86_400
        let (y, m, d) = CivilDays.civil(fromDays: Int(days))
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][CivilDays.weekday(ofDay: Int(days))]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(d) \(month) \(y) \(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) +0000"
    }
}
