public import Foundation
import Logging
public import HeraldCompiler

/// The message `herald send-test` sends to check a transport setup: a
/// delivery that is in no store, sent once through the configured transport.
public enum TestMessage {
    /// A test delivery of `channel` to `to`, with a fresh id.
    public static func delivery(channel: Channel, to: String, now: Date = Date()) -> Delivery {
        var rng = SystemRandomNumberGenerator()
        let id = "test-" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        let t = now.timeIntervalSince1970
        let stamp = ServiceTime.rfc3339(t)
        let body: String
        let subject: String?
        switch channel {
        case .email:
            subject = "Herald test message"
            body = "This is a test message from Herald (\(id), \(stamp)).\nIf you can read it, email delivery works.\n"
        case .sms:
            subject = nil
            body = "Herald test message \(id)"
        }
        return Delivery(
            id: id, key: "send-test", rule: "send-test", event: "send-test", channel: channel, to: to, sendAt: stamp,
            dueAt: t,
            scheduledFor: t, status: .sending, reason: nil, providerID: nil, attemptCount: 1, nextAttemptAt: nil,
            createdAt: stamp, updatedAt: stamp, sentAt: nil, resendOf: nil, workOrder: nil, lead: nil, csr: nil,
            client: nil,
            location: nil, subject: subject, body: body, html: nil, replyTo: nil, attachments: nil,
            segments: channel == .sms ? SMSSegments.count(body) : nil, late: false, attempts: nil)
    }

    /// Sends one test message through the transport `configuration` names for `channel`.
    public static func send(
        channel: Channel, to: String, configuration: ServiceConfiguration, relativeTo directory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> (delivery: Delivery, outcome: TransportOutcome) {
        // Only the tested channel's secrets must be there: a missing SMTP
        // password does not stop a test SMS.
        let transports = try HeraldServer.makeTransports(
            configuration, relativeTo: directory, environment: environment, strictSecrets: false, logger: Logger(label: "herald", factory: { _ in SwiftLogNoOpLogHandler() }))
        let d = delivery(channel: channel, to: to)
        let transport = channel == .email ? transports.email : transports.sms
        if let missing = transport as? MisconfiguredTransport {
            throw HeraldServer.TransportSetupError(description: missing.reason)
        }
        return (d, await transport.send(d))
    }
}
