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

    /// Appends a `send` record whose generated texts (`send_at`, `key`,
    /// `subject`, `body`, `html`) are at the ranges `texts` holds in `bytes`
    /// (the event's scratch buffer; `texts.bytes` is empty).
    mutating func appendSend(_ send: consuming SendFields, texts: RecordTexts, bytes: UnsafeBufferPointer<UInt8>)
}

/// The fields of a `send` record other than its generated texts.
struct SendFields {
    var event: String
    var rule: String
    /// `deferred from …` when working hours moved the send.
    var message: String?
    var channel: Channel
    var to: String
    var sendAtSeconds: Int64
    var replyTo: String?
    var attachments: [DecisionRecord.Attachment]?
    var segments: Int?
    var late: Bool
}

extension Array: RecordOutput where Element == DecisionRecord {
    mutating func appendSend(_ send: consuming SendFields, texts: RecordTexts, bytes: UnsafeBufferPointer<UInt8>) {
        var texts = texts
        texts.bytes = Array<UInt8>(bytes)
        append(
            DecisionRecord(
                event: send.event, decision: .send, rule: send.rule, message: send.message, channel: send.channel, to: send.to,
                texts: texts, sendAtSeconds: send.sendAtSeconds, replyTo: send.replyTo, attachments: send.attachments,
                segments: send.segments, late: send.late))
    }
}
