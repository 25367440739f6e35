public import HeraldModel

/// What reading one NDJSON line gave.
public enum LineParse: Sendable {
    /// Only whitespace: ignored, no record.
    case blank
    /// A valid event, ready for `Runtime.process(event:state:explain:)`.
    case event(ParsedEvent)
    /// Malformed JSON or an invalid event: its `reject` record.
    case rejected(DecisionRecord)
}

/// The Herald runtime: applies a compiled rule set to events (docs/rule-language.md §9–§11).
///
/// ```swift
/// let runtime = Runtime(ruleSet: ruleSet)        // or Runtime(compiled:)
/// var state = RuntimeState()                      // or a restored one
/// for (n, line) in lines.enumerated() {
///     for record in runtime.process(line: line, lineNumber: n + 1, state: &state) {
///         print(record.jsonLine)
///     }
/// }
/// ```
///
/// Evaluation is a pure function of the rule set, the state and the event:
/// time comes from `occurred_at`, never the clock. `Runtime` is immutable and
/// `Sendable`; the state is a value owned by the caller.
public struct Runtime: Sendable {
    /// The compiled rule graph.
    public let compiled: CompiledRuleSet

    /// Compiles `ruleSet` for evaluation.
    public init(ruleSet: RuleSet) {
        self.compiled = CompiledRuleSet(ruleSet)
    }

    /// Uses an already compiled rule graph.
    public init(compiled: CompiledRuleSet) {
        self.compiled = compiled
    }

    // MARK: Parsing

    /// Reads one NDJSON line (without its newline; a trailing `\r` is fine).
    /// A `reject` carries `line` = `lineNumber`; a host that reads a single
    /// JSON event (not NDJSON) clears it.
    public func parse(line: UnsafeRawBufferPointer, lineNumber: Int) -> LineParse {
        switch compiled.decoder.decode(line.assumingMemoryBound(to: UInt8.self)) {
        case .blank: return .blank
        case .event(let e): return .event(e)
        case .malformed(let error): return .rejected(Runtime.malformed(error, lineNumber: lineNumber))
        case .invalid(let id, let message): return .rejected(Runtime.invalid(id: id, message: message, lineNumber: lineNumber))
        }
    }

    static func malformed(_ error: JSONSyntaxError, lineNumber: Int) -> DecisionRecord {
        DecisionRecord(
            event: nil, decision: .reject, reason: "malformed-json",
            message: "line \(lineNumber), byte \(error.offset + 1): \(error.message)", line: lineNumber)
    }

    static func invalid(id: String?, message: String, lineNumber: Int) -> DecisionRecord {
        DecisionRecord(event: id, decision: .reject, reason: "invalid-event", message: message, line: lineNumber)
    }

    /// Reads one NDJSON line given as bytes.
    public func parse(line: [UInt8], lineNumber: Int) -> LineParse {
        line.withUnsafeBytes { parse(line: $0, lineNumber: lineNumber) }
    }

    /// Reads one NDJSON line given as text.
    public func parse(line: String, lineNumber: Int) -> LineParse {
        var line = line
        return line.withUTF8 { parse(line: UnsafeRawBufferPointer($0), lineNumber: lineNumber) }
    }

    // MARK: Processing

    /// Parses and evaluates one NDJSON line, appending its records to
    /// `records`. Every `reject` record carries `line` = `lineNumber` (docs/rule-language.md §11).
    public func process(
        line: UnsafeRawBufferPointer, lineNumber: Int, state: inout RuntimeState, explain: Bool = false,
        into records: inout [DecisionRecord]
    ) {
        processLine(line, lineNumber: lineNumber, state: &state, explain: explain, into: &records)
    }

    /// `process(line:lineNumber:state:explain:into:)` for any output.
    /// With `reusing`, the event is decoded into those values (which
    /// nothing else may hold); returns the values of the event decoded,
    /// if the line was one, for the next line to reuse. With `keyOrder`,
    /// member names are read in the order learned from earlier lines.
    @discardableResult
    func processLine<Out: RecordOutput & ~Copyable>(
        _ line: UnsafeRawBufferPointer, lineNumber: Int, state: inout RuntimeState, explain: Bool,
        reusing spare: EventValues? = nil, keyOrder: KeyOrder? = nil, into out: inout Out
    ) -> EventValues? {
        switch compiled.decoder.decode(line.assumingMemoryBound(to: UInt8.self), reusing: spare, keyOrder: keyOrder) {
        case .blank: return nil
        case .event(let e):
            evaluate(e, state: &state, explain: explain, lineNumber: lineNumber, into: &out)
            return e.values
        case .malformed(let error): out.append(Runtime.malformed(error, lineNumber: lineNumber))
        case .invalid(let id, let message): out.append(Runtime.invalid(id: id, message: message, lineNumber: lineNumber))
        }
        return nil
    }

    /// Parses and evaluates one NDJSON line and appends its records to
    /// `output` as JSON lines, each followed by `\n`: the bytes
    /// `DecisionRecord.appendJSON(to:)` and a newline give for every record
    /// of `process(line:lineNumber:state:explain:into:)`, written without
    /// keeping the records.
    public func process(
        line: UnsafeRawBufferPointer, lineNumber: Int, state: inout RuntimeState, explain: Bool = false,
        appendingJSONTo output: inout [UInt8]
    ) {
        var writer = NDJSONWriter()
        writer.process(line: line, lineNumber: lineNumber, runtime: self, state: &state, explain: explain)
        writer.flush(into: &output)
    }

    /// Parses and evaluates one NDJSON line and returns its records in
    /// output order (docs/rule-language.md §11).
    public func process(line: [UInt8], lineNumber: Int, state: inout RuntimeState, explain: Bool = false) -> [DecisionRecord] {
        var records: [DecisionRecord] = []
        line.withUnsafeBytes { process(line: $0, lineNumber: lineNumber, state: &state, explain: explain, into: &records) }
        return records
    }

    /// Parses and evaluates one NDJSON line given as text.
    public func process(line: String, lineNumber: Int, state: inout RuntimeState, explain: Bool = false) -> [DecisionRecord] {
        var records: [DecisionRecord] = []
        var line = line
        line.withUTF8 {
            process(line: UnsafeRawBufferPointer($0), lineNumber: lineNumber, state: &state, explain: explain, into: &records)
        }
        return records
    }

    /// Evaluates a parsed event (docs/rule-language.md §10.1 steps 3–5) and returns its
    /// records. A `reject` (unknown-location, duplicate-event) carries
    /// `line` = `lineNumber` when one is given (the event came from NDJSON).
    public func process(
        event: ParsedEvent, state: inout RuntimeState, explain: Bool = false, lineNumber: Int? = nil
    ) -> [DecisionRecord] {
        var records: [DecisionRecord] = []
        process(event: event, state: &state, explain: explain, lineNumber: lineNumber, into: &records)
        return records
    }

    /// Evaluates a parsed event, appending its records to `records` (`line`
    /// on a reject as in `process(event:state:explain:lineNumber:)`).
    public func process(
        event: ParsedEvent, state: inout RuntimeState, explain: Bool = false, lineNumber: Int? = nil,
        into records: inout [DecisionRecord]
    ) {
        evaluate(event, state: &state, explain: explain, lineNumber: lineNumber, into: &records)
    }

    // MARK: Entities

    /// The entity an event belongs to (its work order, lead or service
    /// request): the unit of state a host keeps per row (docs/runtime.md, "Behaviour worth knowing"). A
    /// host that stores the state per entity gives `process(event:state:)` a
    /// state holding only this entity's reminder plans (and checks the
    /// event id against its own record of processed ids).
    public func entity(of event: ParsedEvent) -> EntityReference {
        let info = compiled.triggers[CompiledRuleSet.code(event.trigger)]
        return EntityReference(entity: event.trigger.entity, id: event.string(info.idSlot) ?? "")
    }
}
