import CLibYAML

/// A libyaml mark: 0-based character index, line and column.
struct YAMLMark: Equatable {
    var index: Int
    var line: Int
    var column: Int

    init(_ mark: yaml_mark_t) {
        index = Int(clamping: mark.index)
        line = Int(clamping: mark.line)
        column = Int(clamping: mark.column)
    }
}

/// One parsing event, copied out of libyaml into Swift values.
struct YAMLEvent {
    enum Kind {
        case streamStart
        case streamEnd
        case documentStart
        case documentEnd
        case alias(anchor: String)
        case scalar(value: String, style: Scalar.Style, anchor: String?, tag: String?)
        case sequenceStart(anchor: String?, tag: String?, flow: Bool)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?, flow: Bool)
        case mappingEnd
    }

    var kind: Kind
    var start: YAMLMark
    var end: YAMLMark
}

/// A libyaml error, with the marks it names.
struct YAMLProblem: Error {
    enum Location {
        /// A scanner or parser error at a character mark.
        case mark(YAMLMark)
        /// A reader error at a byte offset of the input.
        case byte(Int)
        /// No location (e.g. out of memory).
        case none
    }

    var problem: String
    var location: Location
    var context: String?
    var contextMark: YAMLMark?
}

/// Owns a libyaml parser; frees it on deinit. libyaml reads the text through
/// a read handler, a chunk at a time, from the array it was given (no copy
/// of the whole file, which a large rule file would otherwise need twice).
/// No libyaml pointer leaves this class.
final class LibYAMLEventReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    /// The text libyaml reads, and how much of it it has read.
    private let bytes: [UInt8]
    private var consumed = 0
    private let initialized: Bool
    private var finished = false

    /// Prepares to parse `bytes` (UTF-8 without BOM).
    init(bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        self.bytes = bytes
        initialized = yaml_parser_initialize(parser) == 1
        if initialized {
            // The parser is deleted in deinit, so the reader outlives every call.
            yaml_parser_set_input(
                parser,
                { data, buffer, size, sizeRead in
                    guard let data, let buffer, let sizeRead else { return 0 }
                    let reader = Unmanaged<LibYAMLEventReader>.fromOpaque(data).takeUnretainedValue()
                    sizeRead.pointee = reader.copyInput(into: buffer, size: size)
                    return 1
                }, Unmanaged.passUnretained(self).toOpaque())
        }
    }

    deinit {
        if initialized { yaml_parser_delete(parser) }
        parser.deallocate()
    }

    /// Copies the next chunk of the text into libyaml's buffer; 0 at the end.
    private func copyInput(into buffer: UnsafeMutablePointer<UInt8>, size: Int) -> Int {
        let count = min(size, bytes.count - consumed)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBufferPointer { source in
            buffer.update(from: source.baseAddress! + consumed, count: count)
        }
        consumed += count
        return count
    }

    /// The next event; nil after the stream end or an error.
    func next() -> Result<YAMLEvent, YAMLProblem>? {
        guard !finished else { return nil }
        guard initialized else {
            finished = true
            return .failure(YAMLProblem(problem: "cannot initialize the YAML parser", location: .none))
        }
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            finished = true
            return .failure(currentProblem())
        }
        defer { yaml_event_delete(&event) }
        let kind: YAMLEvent.Kind
        switch event.type {
        case YAML_STREAM_START_EVENT:
            kind = .streamStart
        case YAML_STREAM_END_EVENT:
            kind = .streamEnd
            finished = true
        case YAML_DOCUMENT_START_EVENT:
            kind = .documentStart
        case YAML_DOCUMENT_END_EVENT:
            kind = .documentEnd
        case YAML_ALIAS_EVENT:
            kind = .alias(anchor: Self.string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let value: String
            if let pointer = s.value {
                value = String(decoding: UnsafeBufferPointer(start: pointer, count: s.length), as: UTF8.self)
            } else {
                value = ""
            }
            kind = .scalar(
                value: value, style: Self.style(s.style), anchor: Self.string(s.anchor), tag: Self.string(s.tag))
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            kind = .sequenceStart(
                anchor: Self.string(s.anchor), tag: Self.string(s.tag), flow: s.style == YAML_FLOW_SEQUENCE_STYLE)
        case YAML_SEQUENCE_END_EVENT:
            kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let s = event.data.mapping_start
            kind = .mappingStart(
                anchor: Self.string(s.anchor), tag: Self.string(s.tag), flow: s.style == YAML_FLOW_MAPPING_STYLE)
        case YAML_MAPPING_END_EVENT:
            kind = .mappingEnd
        default:
            finished = true
            return .failure(YAMLProblem(problem: "unexpected YAML event", location: .mark(YAMLMark(event.start_mark))))
        }
        return .success(YAMLEvent(kind: kind, start: YAMLMark(event.start_mark), end: YAMLMark(event.end_mark)))
    }

    private func currentProblem() -> YAMLProblem {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = p.context.map { String(cString: $0) }
        switch p.error {
        case YAML_READER_ERROR:
            return YAMLProblem(problem: problem, location: .byte(Int(clamping: p.problem_offset)), context: context)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            return YAMLProblem(
                problem: problem, location: .mark(YAMLMark(p.problem_mark)), context: context,
                contextMark: context == nil ? nil : YAMLMark(p.context_mark))
        case YAML_MEMORY_ERROR:
            return YAMLProblem(problem: "out of memory while parsing YAML", location: .none)
        default:
            return YAMLProblem(problem: problem, location: .mark(YAMLMark(p.problem_mark)), context: context)
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private static func style(_ style: yaml_scalar_style_t) -> Scalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
