public import HeraldModel

/// One decision about one event (docs/rule-language.md §11): a message to send, a message
/// skipped, a planned reminder cancelled, a rejected event, or (with
/// `explain`) a rule that did not apply.
///
/// Its JSON form (`jsonLine`, `appendJSON(to:)`, `Codable`) has exactly the
/// fields docs/rule-language.md §11 lists for its decision, in that table's order.
public struct DecisionRecord: Sendable, Hashable, Codable {
    /// What was decided.
    public enum Decision: String, Sendable, Hashable, Codable {
        /// A message is planned.
        case send
        /// A message is not sent; `reason` says why.
        case skip
        /// A planned reminder is withdrawn.
        case cancel
        /// The event was not evaluated.
        case reject
        /// `--explain` only: the rule did not apply.
        case none
    }

    /// The PDF report attached to a work-order email.
    public struct Attachment: Sendable, Hashable, Codable {
        /// Where the PDF is.
        public var url: String
        /// Always `application/pdf`.
        public var contentType: String
        /// `work-order-NUMBER.pdf`.
        public var filename: String

        /// Creates an attachment.
        public init(url: String, contentType: String = "application/pdf", filename: String) {
            self.url = url
            self.contentType = contentType
            self.filename = filename
        }

        enum CodingKeys: String, CodingKey {
            case url
            case contentType = "content_type"
            case filename
        }
    }

    // The optional stored properties are spelled `Optional<…>`, not `T?`,
    // and have no default: a `var x: T?` starts as nil before an init's
    // body runs, and with those implicit defaults the compiler built each
    // record in a temporary and then copied it (every field retained and
    // released once more: about 900 instructions an event of the `moving`
    // benchmark on the pre-parsed path). Every init assigns every property.

    /// Event id (nil when unknown, e.g. malformed JSON).
    public var event: Optional<String>
    /// The decision.
    public var decision: Decision
    /// Rule id (send, skip, cancel, none).
    public var rule: Optional<String>
    /// Reason code (skip, cancel, reject, none), as written in the JSON.
    public var reason: Optional<String>
    /// `reason` as a declared value, for a host to switch on (`.noConsent`);
    /// nil when the record has no reason. Setting it sets `reason`.
    public var decisionReason: DecisionReason? {
        get { reason.flatMap(DecisionReason.init(rawValue:)) }
        set { reason = newValue?.rawValue }
    }
    /// Human explanation (skip, reject).
    public var message: Optional<String>
    /// Channel (send, skip of a channel, cancel).
    public var channel: Optional<Channel>
    /// Address the message goes to (send).
    public var to: String? {
        get { texts[.to] }
        set { texts[.to] = newValue }
    }
    /// When to send, RFC 3339 in the event's effective zone (send).
    public var sendAt: String? {
        get { texts[.sendAt] }
        set { texts[.sendAt] = newValue }
    }
    /// `sendAt` as seconds since 1970, for schedulers. Not part of the JSON form.
    public var sendAtSeconds: Optional<Int64>
    /// Message key (send, cancel), docs/rule-language.md §10.3.
    public var key: String? {
        get { texts[.key] }
        set { texts[.key] = newValue }
    }
    /// Email subject.
    public var subject: String? {
        get { texts[.subject] }
        set { texts[.subject] = newValue }
    }
    /// Email plain body or SMS text.
    public var body: String? {
        get { texts[.body] }
        set { texts[.body] = newValue }
    }
    /// Email HTML body, when the template has one.
    public var html: String? {
        get { texts[.html] }
        set { texts[.html] = newValue }
    }
    /// `to`, `sendAt`, `key`, `subject`, `body` and `html` in one buffer: a
    /// send record is built with one allocation for its address and all its
    /// generated text.
    var texts: RecordTexts
    /// Reply-To of an email, when the location or region sets one.
    public var replyTo: Optional<String>
    /// The report PDF, for `attach_report` with a `work_order.report_url`.
    public var attachments: Optional<[Attachment]>
    /// SMS segment count.
    public var segments: Optional<Int>
    /// A reminder sent later than planned.
    public var late: Bool
    /// Input line number (malformed JSON).
    public var line: Optional<Int>

    /// Creates a record.
    public init(
        event: String?, decision: Decision, rule: String? = nil, reason: String? = nil, message: String? = nil,
        channel: Channel? = nil, to: String? = nil, sendAt: String? = nil, sendAtSeconds: Int64? = nil, key: String? = nil,
        subject: String? = nil, body: String? = nil, html: String? = nil, replyTo: String? = nil,
        attachments: [Attachment]? = nil, segments: Int? = nil, late: Bool = false, line: Int? = nil
    ) {
        self.event = event
        self.decision = decision
        self.rule = rule
        self.reason = reason
        self.message = message
        self.channel = channel
        self.sendAtSeconds = sendAtSeconds
        self.texts = RecordTexts(to: to, sendAt: sendAt, key: key, subject: subject, body: body, html: html)
        self.replyTo = replyTo
        self.attachments = attachments
        self.segments = segments
        self.late = late
        self.line = line
    }

    /// A send record whose address and generated texts are already in `texts`.
    init(
        event: String, decision: Decision, rule: String, message: String? = nil, channel: Channel,
        texts: RecordTexts, sendAtSeconds: Int64, replyTo: String? = nil, attachments: [Attachment]? = nil, segments: Int?,
        late: Bool
    ) {
        self.event = event
        self.decision = decision
        self.rule = rule
        self.message = message
        self.channel = channel
        self.texts = texts
        self.sendAtSeconds = sendAtSeconds
        self.replyTo = replyTo
        self.attachments = attachments
        self.segments = segments
        self.late = late
        self.reason = nil
        self.line = nil
    }

    enum CodingKeys: String, CodingKey {
        case event, decision, rule, reason, message, channel, to
        case sendAt = "send_at"
        case key, subject, body, html
        case replyTo = "reply_to"
        case attachments, segments, late, line
    }

    /// Decodes a record from its JSON form.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        event = try c.decodeIfPresent(String.self, forKey: .event)
        decision = try c.decode(Decision.self, forKey: .decision)
        rule = try c.decodeIfPresent(String.self, forKey: .rule)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        channel = try c.decodeIfPresent(Channel.self, forKey: .channel)
        let sendAt = try c.decodeIfPresent(String.self, forKey: .sendAt)
        sendAtSeconds = sendAt.flatMap { RFC3339.parse(Substring($0))?.seconds }
        texts = RecordTexts(
            to: try c.decodeIfPresent(String.self, forKey: .to), sendAt: sendAt,
            key: try c.decodeIfPresent(String.self, forKey: .key),
            subject: try c.decodeIfPresent(String.self, forKey: .subject),
            body: try c.decodeIfPresent(String.self, forKey: .body),
            html: try c.decodeIfPresent(String.self, forKey: .html))
        replyTo = try c.decodeIfPresent(String.self, forKey: .replyTo)
        attachments = try c.decodeIfPresent([Attachment].self, forKey: .attachments)
        segments = try c.decodeIfPresent(Int.self, forKey: .segments)
        late = try c.decodeIfPresent(Bool.self, forKey: .late) ?? false
        line = try c.decodeIfPresent(Int.self, forKey: .line)
    }

    /// Encodes the fields docs/rule-language.md §11 lists (`event` always, `late` only when true).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event, forKey: .event)
        try c.encode(decision, forKey: .decision)
        try c.encodeIfPresent(rule, forKey: .rule)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(channel, forKey: .channel)
        try c.encodeIfPresent(to, forKey: .to)
        try c.encodeIfPresent(sendAt, forKey: .sendAt)
        try c.encodeIfPresent(key, forKey: .key)
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encodeIfPresent(body, forKey: .body)
        try c.encodeIfPresent(html, forKey: .html)
        try c.encodeIfPresent(replyTo, forKey: .replyTo)
        try c.encodeIfPresent(attachments, forKey: .attachments)
        try c.encodeIfPresent(segments, forKey: .segments)
        if late { try c.encode(true, forKey: .late) }
        try c.encodeIfPresent(line, forKey: .line)
    }

    /// Appends the record as one line of JSON (without the newline) to
    /// `buffer`: UTF-8 kept as is, quotes, backslashes and control
    /// characters escaped.
    public func appendJSON(to buffer: inout [UInt8]) {
        var sink = ByteSink(capacity: 256 + texts.bytes.count + (message?.utf8.count ?? 0))
        writeJSON(to: &sink)
        sink.withBytes { buffer.append(contentsOf: $0) }
    }

    /// The record as one line of JSON, without the newline.
    public var jsonLine: String {
        var sink = ByteSink(capacity: 256 + texts.bytes.count + (message?.utf8.count ?? 0))
        writeJSON(to: &sink)
        return sink.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes the record as one line of JSON (without the newline): what
    /// `appendJSON(to:)` appends.
    func writeJSON(to w: inout ByteSink) {
        texts.withBytes { bytes in
            Self.writeJSON(
                event: event, decision: decision, rule: rule, reason: reason, message: message, channel: channel,
                texts: texts, textBytes: bytes, replyTo: replyTo, attachments: attachments, segments: segments, late: late,
                line: line, to: &w)
        }
    }

    /// Writes a record given by its fields as one line of JSON (without the
    /// newline), its generated texts taken from `textBytes` at the ranges
    /// `texts` holds: the one writer of the JSON form, used for record
    /// values and, on the NDJSON path, for sends written straight from the
    /// renderer's buffer (`NDJSONWriter`).
    ///
    /// `eventJSON`, when given, is `event` as a JSON string, written as it
    /// is (the NDJSON path keeps it for the sends of a line).
    static func writeJSON(
        event: String?, decision: Decision, rule: String?, reason: String?, message: String?, channel: Channel?,
        texts: RecordTexts, textBytes bytes: UnsafeBufferPointer<UInt8>, replyTo: String?, attachments: [Attachment]?,
        segments: Int?, late: Bool, line: Int?, eventJSON: UnsafeBufferPointer<UInt8>? = nil, to w: inout ByteSink
    ) {
        w.append("{\"event\":")
        if let eventJSON {
            w.append(eventJSON)
        } else if let event {
            JSONText.string(event, to: &w)
        } else {
            w.append("null")
        }
        w.append(",\"decision\":\"")
        w.append(decision.jsonName)
        w.append(UInt8(ascii: "\""))
        if let rule { JSONText.member("rule", rule, to: &w) }
        if let reason { JSONText.member("reason", reason, to: &w) }
        if let message { JSONText.member("message", message, to: &w) }
        if let channel {
            switch channel {
            case .email: w.append(",\"channel\":\"email\"")
            case .sms: w.append(",\"channel\":\"sms\"")
            }
        }
        // A send's texts (most of a record's bytes) rarely hold a byte to
        // escape: one pass over all of them (`bytes` holds nothing else)
        // tells, and then each is copied between its quotes instead of
        // scanned on its own.
        let plain = JSONText.isPlain(bytes)
        for field in RecordTexts.Field.allCases {
            if let range = texts.range(field) {
                w.append(field.jsonMember)
                let text = UnsafeBufferPointer(rebasing: bytes[range])
                if plain { JSONText.plainString(text, to: &w) } else { JSONText.string(text, to: &w) }
            }
        }
        if let replyTo { JSONText.member("reply_to", replyTo, to: &w) }
        if let attachments {
            w.append(",\"attachments\":[")
            for (i, a) in attachments.enumerated() {
                if i > 0 { w.append(UInt8(ascii: ",")) }
                w.append("{\"url\":")
                JSONText.string(a.url, to: &w)
                JSONText.member("content_type", a.contentType, to: &w)
                JSONText.member("filename", a.filename, to: &w)
                w.append(UInt8(ascii: "}"))
            }
            w.append(UInt8(ascii: "]"))
        }
        if let segments {
            w.append(",\"segments\":")
            w.append(integer: segments)
        }
        if late { w.append(",\"late\":true") }
        if let line {
            w.append(",\"line\":")
            w.append(integer: line)
        }
        w.append(UInt8(ascii: "}"))
    }
}

extension DecisionRecord.Decision {
    /// `rawValue` without building a `String`.
    var jsonName: StaticString {
        switch self {
        case .send: "send"
        case .skip: "skip"
        case .cancel: "cancel"
        case .reject: "reject"
        case .none: "none"
        }
    }
}

/// A record's address and generated texts (`to`, `send_at`, `key`,
/// `subject`, `body`, `html`) as UTF-8 in one buffer, with the range of each.
///
/// A `send` is written by `Runtime.sendTexts` with its address, copied from
/// the event, after the other texts; a record made with
/// `DecisionRecord.init` has them in `Field` order. Equality and hashing go
/// by each field's text, not by where it is in the buffer.
struct RecordTexts: Sendable, Hashable {
    /// The texts, in the order of their members in the JSON form.
    enum Field: Int, CaseIterable {
        case to, sendAt, key, subject, body, html

        /// `,"name":` of the field's JSON member.
        var jsonMember: StaticString {
            switch self {
            case .to: ",\"to\":"
            case .sendAt: ",\"send_at\":"
            case .key: ",\"key\":"
            case .subject: ",\"subject\":"
            case .body: ",\"body\":"
            case .html: ",\"html\":"
            }
        }
    }

    /// The UTF-8 of all fields (append only between `begin` and `end`).
    var bytes: [UInt8] = []
    /// Start and end of each field in `bytes`; a start of -1 means absent.
    private var starts: SIMD8<Int32> = SIMD8(repeating: -1)
    private var ends: SIMD8<Int32> = SIMD8(repeating: -1)

    init() {}

    init(to: String?, sendAt: String?, key: String?, subject: String?, body: String?, html: String?) {
        // One call a field, not a loop over an array of (field, text): the
        // array cost an allocation and a generic destroy of its tuples
        // (about 500 instructions a `skip` or `cancel` record).
        append(.to, to)
        append(.sendAt, sendAt)
        append(.key, key)
        append(.subject, subject)
        append(.body, body)
        append(.html, html)
    }

    private mutating func append(_ field: Field, _ text: String?) {
        guard let text else { return }
        begin(field)
        bytes.append(contentsOf: text.utf8)
        end(field)
    }

    /// An empty buffer with room for `capacity` bytes.
    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// The byte range of `field`, nil when absent.
    @inline(__always)
    func range(_ field: Field) -> Range<Int>? {
        let s = starts[field.rawValue]
        return s < 0 ? nil : Int(s)..<Int(ends[field.rawValue])
    }

    /// A field's text, or nil; setting rebuilds the buffer.
    subscript(field: Field) -> String? {
        get {
            range(field).map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        set {
            var all = Field.allCases.map { self[$0] }
            all[field.rawValue] = newValue
            self = RecordTexts(
                to: all[Field.to.rawValue], sendAt: all[Field.sendAt.rawValue], key: all[Field.key.rawValue],
                subject: all[Field.subject.rawValue], body: all[Field.body.rawValue], html: all[Field.html.rawValue])
        }
    }

    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer(body)
    }

    /// Equal when every field is absent in both or has the same bytes in
    /// both, wherever it is in each buffer.
    static func == (a: RecordTexts, b: RecordTexts) -> Bool {
        for field in Field.allCases {
            switch (a.range(field), b.range(field)) {
            case (nil, nil): continue
            case (let x?, let y?): if !a.bytes[x].elementsEqual(b.bytes[y]) { return false }
            default: return false
            }
        }
        return true
    }

    /// Hashes each field's presence and bytes, in `Field` order.
    func hash(into hasher: inout Hasher) {
        for field in Field.allCases {
            if let r = range(field) {
                hasher.combine(true)
                hasher.combine(r.count)
                bytes.withUnsafeBufferPointer { hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[r]))) }
            } else {
                hasher.combine(false)
            }
        }
    }

    // Building: each field is written between `begin` and `end`, by
    // appending to `bytes` (in `Field` order, except a send's `to`, which
    // `Runtime.sendTexts` writes last).

    @inline(__always)
    mutating func begin(_ field: Field) {
        starts[field.rawValue] = Int32(truncatingIfNeeded: bytes.count)
    }

    @inline(__always)
    mutating func end(_ field: Field) {
        ends[field.rawValue] = Int32(truncatingIfNeeded: bytes.count)
    }

    /// Marks `field` as starting at `position` (texts written elsewhere and
    /// stored into `bytes` in one piece afterwards).
    @inline(__always)
    mutating func begin(_ field: Field, at position: Int) {
        starts[field.rawValue] = Int32(truncatingIfNeeded: position)
    }

    /// Marks `field` as ending at `position`.
    @inline(__always)
    mutating func end(_ field: Field, at position: Int) {
        ends[field.rawValue] = Int32(truncatingIfNeeded: position)
    }

    @inline(__always)
    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Writes into the buffer (to render or format in place).
    @inline(__always)
    mutating func write(_ body: (inout [UInt8]) -> Void) {
        body(&bytes)
    }
}
