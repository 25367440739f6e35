/// Evaluates NDJSON event lines and collects their decision records as
/// NDJSON output (SPEC §9), reusing its buffers from line to line: the fast
/// path of `herald eval`.
///
/// ```swift
/// var writer = NDJSONWriter()
/// var state = RuntimeState()
/// for (n, line) in lines.enumerated() {
///     writer.process(line: line, lineNumber: n + 1, runtime: runtime, state: &state)
///     if writer.count >= 1 << 16 {
///         writer.withBytes { write($0) }
///         writer.removeAll()
///     }
/// }
/// ```
///
/// Every record is written exactly as `DecisionRecord.appendJSON(to:)`
/// writes it, followed by `\n`.
///
/// Records go straight into the output (`RecordOutput`): a `send`'s texts
/// are escaped from the renderer's buffer into it, with no record value.
public struct NDJSONWriter: ~Copyable, RecordOutput {
    private var sink: ByteSink
    /// The last event's values, decoded into again for the next line when
    /// nothing else holds them (no allocation per event).
    private var spare: EventValues?
    /// The order of the members of the events read so far (`KeyOrder`),
    /// for the layout of the last runtime used.
    private var keyOrder: KeyOrder?
    /// The id of the line's event as a JSON string, written at its first
    /// `send` and kept for the others (every `send` of a line is its
    /// event's); emptied for each line.
    private var eventJSON = ByteSink(capacity: 64)

    /// Creates a writer with room for `capacity` bytes of output before it grows.
    public init(capacity: Int = 1 << 16) {
        sink = ByteSink(capacity: capacity)
    }

    /// Number of output bytes collected.
    public var count: Int { sink.count }

    /// Calls `body` with the output collected so far.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        sink.withBytes { body(UnsafeRawBufferPointer($0)) }
    }

    /// Forgets the output collected (after it was written out).
    public mutating func removeAll() {
        sink.removeAll()
    }

    /// Parses and evaluates one NDJSON line (without its newline) with
    /// `runtime`, appending its records as JSON lines.
    public mutating func process(
        line: UnsafeRawBufferPointer, lineNumber: Int, runtime: Runtime, state: inout RuntimeState, explain: Bool = false
    ) {
        eventJSON.removeAll()
        let reusable = isKnownUniquelyReferenced(&spare) ? spare : nil
        spare = nil
        let layout = runtime.compiled.decoder.layout
        if keyOrder?.layout !== layout { keyOrder = KeyOrder(layout) }
        spare = runtime.processLine(
            line, lineNumber: lineNumber, state: &state, explain: explain, reusing: reusable, keyOrder: keyOrder, into: &self)
    }

    /// Evaluates one line from an `NDJSONLineReader`: a text line as
    /// `process(line:…)` does; an over-long line becomes its
    /// `malformed-json` reject, with its line number.
    public mutating func process(
        _ line: NDJSONLineReader.Line, runtime: Runtime, state: inout RuntimeState, explain: Bool = false
    ) {
        switch line {
        case .text(let bytes, let number):
            process(line: bytes, lineNumber: number, runtime: runtime, state: &state, explain: explain)
        case .tooLong(let number):
            write(
                DecisionRecord(
                    event: nil, decision: .reject, reason: "malformed-json",
                    message: "line \(number) is longer than \(NDJSONLineReader.maximumLineLength) bytes", line: number))
        }
    }

    /// Appends one record as a JSON line.
    public mutating func write(_ record: DecisionRecord) {
        record.writeJSON(to: &sink)
        sink.append(0x0A)
    }

    /// Appends one record as a JSON line (`RecordOutput`).
    mutating func append(_ record: DecisionRecord) {
        write(record)
    }

    /// Writes a `send` record as a JSON line, its address and texts escaped
    /// from `bytes`.
    mutating func appendSend(
        event: String, rule: String, message: String?, channel: Channel, sendAtSeconds: Int64,
        replyTo: String?, attachments: [DecisionRecord.Attachment]?, segments: Int?, late: Bool,
        texts: RecordTexts, bytes: UnsafeBufferPointer<UInt8>
    ) {
        // A JSON string is never empty (its quotes): empty means not written yet.
        if eventJSON.count == 0 { JSONText.string(event, to: &eventJSON) }
        let event = UnsafeBufferPointer(start: eventJSON.base, count: eventJSON.count)
        DecisionRecord.writeJSON(
            event: nil, decision: .send, rule: rule, reason: nil, message: message, channel: channel, texts: texts,
            textBytes: bytes, replyTo: replyTo, attachments: attachments, segments: segments, late: late, line: nil,
            eventJSON: event, to: &sink)
        sink.append(0x0A)
    }

    /// Appends the output to `output` and forgets it.
    mutating func flush(into output: inout [UInt8]) {
        sink.withBytes { output.append(contentsOf: $0) }
        sink.removeAll()
    }
}
