/// The argument of a template filter.
public enum FilterArgument: Sendable, Hashable, Codable {
    /// A quoted literal: `default: "device"`, `date: "dd/MM"`.
    case string(String)
    /// A field path: `default: client.name`.
    case path(FieldPath)
    /// A whole number: `truncate: 20`.
    case int(Int)
}

/// A filter applied to a template value (docs/rule-language.md §4).
public enum TemplateFilter: Sendable, Hashable, Codable {
    /// `default: path-or-"literal"`
    case `default`(FilterArgument)
    /// `date: "pattern"` (Unicode date pattern, in the event's effective zone).
    case date(pattern: String)
    /// `upper`
    case upper
    /// `lower`
    case lower
    /// `truncate: N` (first N characters, nothing added)
    case truncate(Int)
}

/// A piece of a compiled template. Not `indirect`: a conditional's parts
/// are arrays, which are stored out of line already, so each segment is
/// one value inside its array, not a box of its own (a compiled bundle's
/// templates decode with one allocation less per segment).
public enum TemplateSegment: Sendable, Hashable, Codable {
    /// Literal text, written as is.
    case text(String)
    /// `{{ path | filter … }}`
    case value(FieldPath, filters: [TemplateFilter])
    /// `{{#if path}} … {{else}} … {{/if}}`
    case conditional(FieldPath, then: [TemplateSegment], else: [TemplateSegment])
}

/// Where the segments of template texts not decoded yet come from: a
/// compiled bundle keeps each text's segments as bytes until the text is
/// first used, so that loading 10,000 templates builds none of their
/// segments (the runtime compiles a template on its first send anyway).
public protocol TemplateSegmentStore: AnyObject, Sendable {
    /// The segments stored at `position` (each call decodes them again:
    /// readers keep what they need). The same position must always give the
    /// same segments: texts at one position of one store compare equal
    /// without decoding.
    func segments(at position: Int) -> [TemplateSegment]
}

/// A compiled template text: the sequence of segments of one part
/// (an SMS text, a subject, a body or an HTML body).
public struct TemplateText: Sendable, Hashable, Codable {
    /// The source text, for messages and lint.
    public var source: String
    /// The compiled segments (decoded from their store on every read when
    /// they come from one).
    public var segments: [TemplateSegment] {
        get {
            guard let stored else { return decoded }
            return stored.store.segments(at: stored.position)
        }
        set {
            decoded = newValue
            stored = nil
        }
    }

    private var decoded: [TemplateSegment]
    private var stored: (store: any TemplateSegmentStore, position: Int)?

    /// Creates a template text.
    public init(source: String, segments: [TemplateSegment]) {
        self.source = source
        self.decoded = segments
        self.stored = nil
    }

    /// Creates a template text whose segments stay in `store` until read.
    public init(source: String, segmentsAt position: Int, in store: any TemplateSegmentStore) {
        self.source = source
        self.decoded = []
        self.stored = (store, position)
    }

    private enum CodingKeys: String, CodingKey {
        case source
        case segments
    }

    /// Reads the synthesized layout: `source` and `segments`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(source: try c.decode(String.self, forKey: .source), segments: try c.decode([TemplateSegment].self, forKey: .segments))
    }

    /// Writes the synthesized layout: `source` and `segments`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(segments, forKey: .segments)
    }

    /// Texts are equal when their sources and segments are, wherever the segments are kept.
    public static func == (a: TemplateText, b: TemplateText) -> Bool {
        guard a.source == b.source else { return false }
        if let x = a.stored, let y = b.stored, x.store === y.store, x.position == y.position { return true }
        return a.segments == b.segments
    }

    /// Hashes the source and the segments, as `==` compares them.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(source)
        hasher.combine(segments)
    }
}

/// The email part of a template.
public struct EmailTemplate: Sendable, Hashable, Codable {
    /// Subject line (line breaks in values become spaces).
    public var subject: TemplateText
    /// Plain-text body.
    public var body: TemplateText
    /// Optional HTML body (values HTML-escaped).
    public var html: TemplateText?
    /// Attach the PDF at `work_order.report_url`.
    public var attachReport: Bool

    /// Creates an email template.
    public init(subject: TemplateText, body: TemplateText, html: TemplateText? = nil, attachReport: Bool = false) {
        self.subject = subject
        self.body = body
        self.html = html
        self.attachReport = attachReport
    }
}

/// A set of message parts: the base template or one locale variant.
public struct TemplateVariant: Sendable, Hashable, Codable {
    /// SMS text.
    public var sms: TemplateText?
    /// Email parts.
    public var email: EmailTemplate?

    /// Creates a variant.
    public init(sms: TemplateText? = nil, email: EmailTemplate? = nil) {
        self.sms = sms
        self.email = email
    }
}

/// A named message template with optional locale variants (docs/rule-language.md §4).
public struct Template: Sendable, Hashable, Codable {
    /// Template id.
    public var id: String
    /// The base parts.
    public var base: TemplateVariant
    /// Variants by locale key (`en`, `pt-BR`); a missing part falls back to `base`.
    public var locales: [String: TemplateVariant]

    /// Creates a template.
    public init(id: String, base: TemplateVariant, locales: [String: TemplateVariant] = [:]) {
        self.id = id
        self.base = base
        self.locales = locales
    }
}
