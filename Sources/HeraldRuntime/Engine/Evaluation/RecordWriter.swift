import HeraldModel

/// The decision records of a rule (docs/rule-language.md §11): `none` with
/// its plain-words message, `skip`, `cancel`, and `send` with its rendered
/// texts written straight into the record's buffer.
extension Runtime {
    // MARK: Records

    func none(_ rule: CompiledRule, _ context: EventContext, _ reason: String) -> DecisionRecord {
        DecisionRecord(
            event: context.event.id, decision: .none, rule: rule.id, reason: reason,
            message: noneMessage(rule, context, reason))
    }

    /// What did not hold, in plain words (SPEC §9 `none` message): the
    /// event's value and what the rule asks for; a status outside its
    /// entity's list is named as such.
    func noneMessage(_ rule: CompiledRule, _ context: EventContext, _ reason: String) -> String {
        let event = context.event
        let entity = event.trigger.entity.rawValue
        let info = compiled.triggers[CompiledRuleSet.code(event.trigger)]
        func list(_ names: [String]?) -> String { (names ?? []).joined(separator: ", ") }
        switch reason {
        case "inactive":
            return "rule '\(rule.id)' is switched off (active: false)"
        case "trigger":
            switch rule.kind {
            case .event(let trigger):
                return "the event is \(event.trigger.rawValue); the rule is on \(trigger.rawValue)"
            case .reminder(let remindEntity, _, let field, _):
                return "the event is \(event.trigger.rawValue), not a \(remindEntity.rawValue) event; the rule reminds of \(field)"
            }
        case "no-change":
            let status = event.string(info.statusSlot) ?? ""
            return "\(entity).status '\(status)' is the same as its previous_status: the status did not change"
        case "locations":
            let name = context.location?.place.id ?? event.location ?? ""
            return "location '\(name)' is not one of the rule's locations (\(list(rule.rule.locations)))"
        case "regions":
            let wanted = "the rule is for regions (\(list(rule.rule.regions)))"
            guard let name = event.string(compiled.layout.clientRegion) else {
                return "the client has no region (client.region); \(wanted)"
            }
            if context.region == nil { return "client.region '\(name)' is not a declared region; \(wanted)" }
            return "client.region '\(name)' is not one of the rule's regions (\(list(rule.rule.regions)))"
        case "to":
            let status = event.string(info.statusSlot) ?? ""
            if context.status < 0 { return "status '\(status)' is not a \(entity) status" }
            return "status '\(status)' is not one of the rule's 'to' statuses (\(list(rule.rule.toStatuses)))"
        case "from":
            guard let previous = event.string(info.previousStatusSlot) else {
                return "the event has no \(entity).previous_status; the rule's 'from' is (\(list(rule.rule.fromStatuses)))"
            }
            if context.previousStatus < 0 { return "previous_status '\(previous)' is not a \(entity) status" }
            return "previous_status '\(previous)' is not one of the rule's 'from' statuses (\(list(rule.rule.fromStatuses)))"
        case "where":
            return "'where' does not hold: \(rule.rule.conditionSource ?? "the condition is false")"
        case "unscheduled":
            if case .reminder(_, _, let field, _) = rule.kind { return "the event has no \(field): nothing to remind of" }
            return "the event has no value to remind of"
        default:
            return reason
        }
    }

    func skip(_ rule: CompiledRule, _ context: EventContext, _ channel: Channel?, _ reason: String, _ message: String)
        -> DecisionRecord
    {
        DecisionRecord(event: context.event.id, decision: .skip, rule: rule.id, reason: reason, message: message, channel: channel)
    }

    func cancel(
        _ rule: CompiledRule, _ context: EventContext, _ entityID: String, _ channel: Channel, _ reason: String
    ) -> DecisionRecord {
        DecisionRecord(
            event: context.event.id, decision: .cancel, rule: rule.id, reason: reason, channel: channel,
            key: rule.key(entityID, channel))
    }

    /// SPEC §8.2 check 2: why `channel`'s message would be empty or only
    /// whitespace (the `empty-message` skip's message), or nil when it is
    /// not. Asked only when `CompiledRule.mayRenderBlank(_:in:)` says the
    /// rule's template can; renders only the parts of the client's variant
    /// that can come out blank, into the event's scratch buffer (which the
    /// send, if any, overwrites).
    func blankMessage(_ rule: CompiledRule, _ context: EventContext, _ channel: Channel) -> String? {
        let c = compiled
        guard rule.template >= 0 && rule.template < c.templateRefs.count else {
            return channel == .email ? "the email subject is empty" : "the SMS body is empty"
        }
        return c.templateRefs[rule.template]._withUnsafeGuaranteedRef { template in
            template.withParts(for: { context.event.string(c.layout.clientLanguage) }) { parts -> String? in
                var counter = SegmentCounter()
                func blank(_ program: TemplateProgram?, _ escaping: TemplateRenderer.Escaping) -> Bool {
                    guard let program else { return true }
                    if program.alwaysHasText { return false }
                    context.buffers.scratch.removeAll()
                    program.render(context, escaping: escaping, into: &context.buffers.scratch, count: false, counter: &counter)
                    if escaping == .subject { Self.repairHeader(in: &context.buffers.scratch, from: 0) }
                    return context.buffers.scratch.withBytes { SafeText.isBlank(utf8: $0) }
                }
                switch channel {
                case .sms:
                    guard parts.smsMayBeBlank, blank(parts.smsProgram, .none) else { return nil }
                    return "the SMS body of template '\(rule.rule.template)' renders empty or only whitespace"
                case .email:
                    guard parts.emailMayBeBlank else { return nil }
                    let email = parts.hasEmail ? parts : nil
                    if blank(email?.subjectProgram, .subject) {
                        return "the email subject of template '\(rule.rule.template)' renders empty or only whitespace"
                    }
                    if blank(email?.bodyProgram, .none) {
                        return "the email body of template '\(rule.rule.template)' renders empty or only whitespace"
                    }
                    return nil
                }
            }
        }
    }

    /// Appends a `send` record to `out` (built in place: no copy of the record).
    func appendSend<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ context: EventContext, _ channel: Channel, at: Timestamp, late: Bool,
        deferred: String?, subject keySubject: String, to out: inout Out
    ) {
        let c = compiled
        guard rule.template >= 0 && rule.template < c.templateRefs.count else {
            appendSend(
                rule, context, channel, at: at, late: late, deferred: deferred, subject: keySubject,
                parts: nil, to: &out)
            return
        }
        c.templateRefs[rule.template]._withUnsafeGuaranteedRef { template in
            template.withParts(for: { context.event.string(c.layout.clientLanguage) }) { parts in
                appendSend(
                    rule, context, channel, at: at, late: late, deferred: deferred, subject: keySubject,
                    parts: parts, to: &out)
            }
        }
    }

    /// `appendSend` with the template's parts for the client's language.
    private func appendSend<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ context: EventContext, _ channel: Channel, at: Timestamp, late: Bool,
        deferred: String?, subject keySubject: String, parts: CompiledTemplate.Parts?, to out: inout Out
    ) {
        let c = compiled
        let email = channel == .email ? parts.flatMap { $0.hasEmail ? $0 : nil } : nil
        var segments = 0
        let texts = sendTexts(
            rule, context, channel, at: at, subject: keySubject, parts: parts, email: email, segments: &segments,
            into: &context.buffers.scratch)
        var attachments: [DecisionRecord.Attachment]?
        if channel == .email, parts?.attachReport == true, let url = context.event.string(c.layout.workOrderReportURL) {
            let number = context.event.string(c.layout.workOrderNumber) ?? ""
            attachments = [DecisionRecord.Attachment(url: url, filename: SafeText.reportFileName(number: number))]
        }
        // The scratch buffer is not touched while the output reads it.
        let bytes = UnsafeBufferPointer(start: context.buffers.scratch.base, count: context.buffers.scratch.count)
        out.appendSend(
            event: context.event.id, rule: rule.id, message: deferred, channel: channel, sendAtSeconds: at.seconds,
            replyTo: channel == .email ? context.location?.place.replyTo ?? context.region?.place.replyTo : nil,
            attachments: attachments, segments: channel == .sms ? segments : nil, late: late, texts: texts, bytes: bytes)
    }

    /// Writes a send record's texts (`send_at`, key, the channel's rendered
    /// parts, and the client's address `to`, copied from the event: no
    /// `String` made) into `sink` and returns where each is (its `bytes`
    /// empty: the output copies or writes them); `segments` gets the SMS
    /// body's segment count.
    @inline(__always)
    func sendTexts(
        _ rule: CompiledRule, _ context: EventContext, _ channel: Channel, at: Timestamp, subject keySubject: String,
        parts: CompiledTemplate.Parts?, email: CompiledTemplate.Parts?, segments: inout Int,
        into sink: inout ByteSink
    ) -> RecordTexts {
        sink.removeAll()
        var texts = RecordTexts()
        texts.begin(.sendAt, at: sink.count)
        context.appendRFC3339(at, to: &sink)
        texts.end(.sendAt, at: sink.count)
        texts.begin(.key, at: sink.count)
        sink.append(text: rule.keyPrefix)
        sink.append(text: keySubject)
        sink.append(channel == .email ? "/email" as StaticString : "/sms")
        texts.end(.key, at: sink.count)
        var counter = SegmentCounter()
        switch channel {
        case .sms:
            texts.begin(.body, at: sink.count)
            parts?.smsProgram?.render(context, escaping: .none, into: &sink, count: true, counter: &counter)
            texts.end(.body, at: sink.count)
            segments = counter.segments
        case .email:
            let subjectStart = sink.count
            texts.begin(.subject, at: subjectStart)
            email?.subjectProgram?.render(context, escaping: .subject, into: &sink, count: false, counter: &counter)
            Self.repairHeader(in: &sink, from: subjectStart)
            texts.end(.subject, at: sink.count)
            texts.begin(.body, at: sink.count)
            email?.bodyProgram?.render(context, escaping: .none, into: &sink, count: false, counter: &counter)
            texts.end(.body, at: sink.count)
            if let html = email?.htmlProgram {
                texts.begin(.html, at: sink.count)
                html.render(context, escaping: .html, into: &sink, count: false, counter: &counter)
                texts.end(.html, at: sink.count)
            }
        }
        // Deliverability found the address there (`Runtime.deliverability`).
        let layout = context.event.layout
        texts.begin(.to, at: sink.count)
        _ = context.event.withStringUTF8(channel == .email ? layout.clientEmail : layout.clientPhone) { sink.append($0) }
        texts.end(.to, at: sink.count)
        return texts
    }

    /// Makes the text written to `sink` from `start` on safe for a header
    /// (`SafeText.header`): line breaks and separators fold into one space,
    /// control and bidi-override characters go. Most subjects need nothing.
    private static func repairHeader(in sink: inout ByteSink, from start: Int) {
        let text: String? = sink.withBytes { all in
            let written = UnsafeBufferPointer(rebasing: all[start...])
            guard SafeText.mayNeedHeaderRepair(written) else { return nil }
            return String(decoding: written, as: UTF8.self)
        }
        guard let text else { return }
        let safe = SafeText.header(text)
        guard safe != text else { return }
        sink.truncate(to: start)
        sink.append(text: safe)
    }
}
