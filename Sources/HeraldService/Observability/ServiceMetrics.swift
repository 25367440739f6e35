import HeraldCompiler
import Prometheus
import Synchronization

/// The service's metrics (docs/service.md "Metrics and health"), kept in a
/// Prometheus registry of the service's own (no process-wide bootstrap, so
/// several services can run in one process, as in tests). Each family has
/// its `# HELP` line.
public final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let events: [String: Counter]
    let decisions: [String: Counter]
    let deliveries: [String: Counter]
    let attempts: [String: Counter]
    let reloads: [String: Counter]
    let due: Gauge
    let sendDelay: ValueHistogram
    /// `herald_http_request_duration_seconds` by route, made once per route
    /// (the registry's look-up compares the help text and the buckets).
    let requestDurations = Mutex<[String: DurationHistogram]>([:])

    /// `herald_http_request_duration_seconds`: its name, help and buckets.
    static var requestDuration: MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: "herald_http_request_duration_seconds", unitName: "",
            helpText: "Time from a request's arrival to its reply, by route")
    }
    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// Creates the metric families, every label value at zero.
    public init() {
        let registry = registry
        func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        }
        func counters(_ name: String, _ help: String, _ label: String, _ values: [String]) -> [String: Counter] {
            let d = descriptor(name, help)
            return Dictionary(uniqueKeysWithValues: values.map { ($0, registry.makeCounter(descriptor: d, labels: [(label, $0)])) })
        }
        events = counters(
            "herald_events_total", "Events received, by outcome (processed, rejected, duplicate)", "outcome",
            ["processed", "rejected", "duplicate"])
        decisions = counters(
            "herald_decisions_total", "Decision records made, by decision", "decision", ["send", "skip", "cancel", "reject"])
        reloads = counters(
            "herald_rule_reloads_total", "Rule set reloads, by outcome (ok, refused)", "outcome", ["ok", "refused"])
        let deliveryFamily = descriptor("herald_deliveries_total", "Delivery status changes, by channel and new status")
        let attemptFamily = descriptor(
            "herald_delivery_attempts_total", "Delivery attempts, by channel and outcome (sent, transient, permanent)")
        var d: [String: Counter] = [:]
        var a: [String: Counter] = [:]
        for channel in Channel.allCases {
            for status in Delivery.Status.allCases {
                d["\(channel.rawValue)/\(status.rawValue)"] = registry.makeCounter(
                    descriptor: deliveryFamily, labels: [("channel", channel.rawValue), ("status", status.rawValue)])
            }
            for outcome in ["sent", "transient", "permanent"] {
                a["\(channel.rawValue)/\(outcome)"] = registry.makeCounter(
                    descriptor: attemptFamily, labels: [("channel", channel.rawValue), ("outcome", outcome)])
            }
        }
        deliveries = d
        attempts = a
        due = registry.makeGauge(
            descriptor: descriptor("herald_deliveries_due", "Deliveries due and not yet sent (scheduled, retrying or sending)"))
        due.set(0 as Double)
        sendDelay = registry.makeValueHistogram(
            descriptor: descriptor("herald_send_delay_seconds", "Seconds from a message's send_at to its being sent"),
            buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21_600, 86_400])
        _ = requestHistogram(route: "/healthz")
    }

    /// Counts an event by outcome.
    func event(_ outcome: String) { events[outcome]?.increment() }
    /// Counts a decision record.
    func decision(_ d: String) { decisions[d]?.increment() }
    /// Counts a delivery status change.
    func delivery(_ channel: Channel, _ status: Delivery.Status, by n: Int = 1) {
        if n > 0 { deliveries["\(channel.rawValue)/\(status.rawValue)"]?.increment(by: Int64(n)) }
    }
    /// Counts an attempt's outcome.
    func attempt(_ channel: Channel, _ outcome: String) { attempts["\(channel.rawValue)/\(outcome)"]?.increment() }
    /// Counts a reload.
    func reload(_ ok: Bool) { reloads[ok ? "ok" : "refused"]?.increment() }
    /// Sets the number of due deliveries.
    func setDue(_ n: Int) { due.set(Double(n)) }
    /// Records how late a message went out.
    func sent(delay seconds: Double) { sendDelay.record(max(0, seconds)) }
    /// Records an HTTP request's duration.
    func request(route: String, nanoseconds: Int64) {
        requestHistogram(route: route).record(.nanoseconds(nanoseconds))
    }

    /// The request-duration histogram of `route`, made on its first use.
    private func requestHistogram(route: String) -> DurationHistogram {
        requestDurations.withLock { known in
            if let h = known[route] { return h }
            let h = registry.makeDurationHistogram(
                descriptor: Self.requestDuration, labels: [("route", route)], buckets: Self.requestBuckets)
            known[route] = h
            return h
        }
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
