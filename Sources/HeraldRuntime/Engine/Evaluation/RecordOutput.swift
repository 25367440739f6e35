import HeraldModel

/// Where evaluation puts its records (docs/architecture.md, "Inside the
/// runtime"). Two kinds:
///
/// * `[DecisionRecord]`: each record as a value, for hosts that look at
///   them (the service, `herald test`, the public `process` calls);
/// * `NDJSONWriter`: each record written as a JSON line straight into the
///   output buffer. A `send`'s generated texts go from the renderer's
///   scratch buffer into the output, escaped, without a record value, a
///   text buffer or its copy in between (the path of `herald eval`).
///
/// Evaluation is generic over the output, so each kind gets its own
/// specialised copy of the same code: both write the same records in the
/// same order, and `DecisionRecord.writeJSON` is the one writer of the JSON
/// form (`EngineGoldenTests` compare the two outputs byte for byte).
protocol RecordOutput: ~Copyable {
    /// Appends a record given as a value.
    mutating func append(_ record: DecisionRecord)

    /// Appends a `send` record whose address (`to`) and generated texts
    /// (`send_at`, `key`, `subject`, `body`, `html`) are at the ranges
    /// `texts` holds in `bytes` (the event's scratch buffer; `texts.bytes`
    /// is empty).
    ///
    /// The other fields are parameters, borrowed: an output that writes
    /// them out copies (and retains) nothing.
    mutating func appendSend(
        event: String, rule: String, message: String?, channel: Channel, sendAtSeconds: Int64,
        replyTo: String?, attachments: [DecisionRecord.Attachment]?, segments: Int?, late: Bool,
        texts: RecordTexts, bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: RecordOutput where Element == DecisionRecord {
    mutating func appendSend(
        event: String, rule: String, message: String?, channel: Channel, sendAtSeconds: Int64,
        replyTo: String?, attachments: [DecisionRecord.Attachment]?, segments: Int?, late: Bool,
        texts: RecordTexts, bytes: UnsafeBufferPointer<UInt8>
    ) {
        var texts = texts
        texts.bytes = Array<UInt8>(bytes)
        append(
            DecisionRecord(
                event: event, decision: .send, rule: rule, message: message, channel: channel, texts: texts,
                sendAtSeconds: sendAtSeconds, replyTo: replyTo, attachments: attachments, segments: segments, late: late))
    }
}
