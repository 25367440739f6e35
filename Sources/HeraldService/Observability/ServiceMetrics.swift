import CoreMetrics
import HeraldCompiler
import Prometheus

/// The service's metrics (docs/service.md "Metrics and health"), recorded through swift-metrics into
/// a Prometheus registry of the service's own (no process-wide bootstrap,
/// so several services can run in one process, as in tests).
public final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let events: [String: CoreMetrics.Counter]
    let decisions: [String: CoreMetrics.Counter]
    let deliveries: [String: CoreMetrics.Counter]
    let attempts: [String: CoreMetrics.Counter]
    let reloads: [String: CoreMetrics.Counter]
    let due: CoreMetrics.Gauge
    let sendDelay: CoreMetrics.Recorder

    /// Creates the metric families, every label value at zero.
    public init() {
        var f = PrometheusMetricsFactory(registry: registry)
        f.valueHistogramBuckets["herald_send_delay_seconds"] = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21_600, 86_400]
        f.durationHistogramBuckets["herald_http_request_duration_seconds"] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory = f
        func counters(_ name: String, _ label: String, _ values: [String]) -> [String: CoreMetrics.Counter] {
            Dictionary(uniqueKeysWithValues: values.map { ($0, CoreMetrics.Counter(label: name, dimensions: [(label, $0)], factory: f)) })
        }
        events = counters("herald_events_total", "outcome", ["processed", "rejected", "duplicate"])
        decisions = counters("herald_decisions_total", "decision", ["send", "skip", "cancel", "reject"])
        reloads = counters("herald_rule_reloads_total", "outcome", ["ok", "refused"])
        var d: [String: CoreMetrics.Counter] = [:]
        var a: [String: CoreMetrics.Counter] = [:]
        for channel in Channel.allCases {
            for status in Delivery.Status.allCases {
                d["\(channel.rawValue)/\(status.rawValue)"] = CoreMetrics.Counter(
                    label: "herald_deliveries_total", dimensions: [("channel", channel.rawValue), ("status", status.rawValue)],
                    factory: f)
            }
            for outcome in ["sent", "transient", "permanent"] {
                a["\(channel.rawValue)/\(outcome)"] = CoreMetrics.Counter(
                    label: "herald_delivery_attempts_total", dimensions: [("channel", channel.rawValue), ("outcome", outcome)],
                    factory: f)
            }
        }
        deliveries = d
        attempts = a
        due = CoreMetrics.Gauge(label: "herald_deliveries_due", factory: f)
        due.record(0)
        sendDelay = CoreMetrics.Recorder(label: "herald_send_delay_seconds", dimensions: [], aggregate: true, factory: f)
        _ = CoreMetrics.Timer(label: "herald_http_request_duration_seconds", dimensions: [("route", "/healthz")], factory: f)
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
    func setDue(_ n: Int) { due.record(n) }
    /// Records how late a message went out.
    func sent(delay seconds: Double) { sendDelay.record(max(0, seconds)) }
    /// Records an HTTP request's duration.
    func request(route: String, nanoseconds: Int64) {
        CoreMetrics.Timer(label: "herald_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(nanoseconds)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
