import Foundation

/// The deliveries-per-hour chart of the log page, drawn by the server as
/// inline SVG: one stacked bar per hour of the last 48, one colour per
/// status (the colours come from the style sheet's status classes).
struct DeliveryChart {
    static let hours = 48
    static let order: [Delivery.Status] = [.sent, .scheduled, .sending, .retrying, .failed, .cancelled]

    /// The first hour shown.
    static func start(now: Double) -> Double { (now / 3600).rounded(.down) * 3600 - Double(hours - 1) * 3600 }

    let counts: [HourlyDeliveryCount]
    let now: Double

    var context: [String: Any] {
        let first = Self.start(now: now)
        var buckets = [[Delivery.Status: Int]](repeating: [:], count: Self.hours)
        var total = 0
        for c in counts {
            let i = Int((Double(c.hour) - first) / 3600)
            guard i >= 0, i < Self.hours else { continue }
            buckets[i][c.status, default: 0] += c.count
            total += c.count
        }
        let peak = max(1, buckets.map { $0.values.reduce(0, +) }.max() ?? 0)
        let width = 960.0, height = 170.0, left = 40.0, right = 950.0, top = 12.0, baseline = 146.0
        let step = (right - left) / Double(Self.hours)
        func n(_ v: Double) -> String { String((v * 10).rounded() / 10) }
        var bars: [[String: Any]] = []
        var ticks: [[String: Any]] = []
        for (i, bucket) in buckets.enumerated() {
            let hour = first + Double(i) * 3600
            var y = baseline
            var segments: [[String: Any]] = []
            for status in Self.order {
                guard let count = bucket[status], count > 0 else { continue }
                let h = max(1, (baseline - top) * Double(count) / Double(peak))
                y -= h
                segments.append([
                    "x": n(left + Double(i) * step + 1), "y": n(y), "w": n(step - 2), "h": n(h), "status": status.rawValue,
                    "title": "\(Self.label(hour)) UTC: \(count) \(status.rawValue)",
                ])
            }
            bars.append(["segments": segments])
            let hourOfDay = Int(hour.truncatingRemainder(dividingBy: 86_400) / 3600)
            if hourOfDay % 6 == 0 {
                ticks.append(["x": n(left + (Double(i) + 0.5) * step), "y": n(baseline + 14), "text": Self.tick(hour)])
            }
        }
        return [
            "width": Int(width), "height": Int(height), "left": n(left), "right": n(right), "baseline": n(baseline),
            "labelX": n(left - 6), "topLabelY": n(top + 8), "max": peak, "bars": bars, "ticks": ticks, "total": total,
            "legend": Self.order.map(\.rawValue),
        ]
    }

    /// `2026-04-06 13:00`
    static func label(_ t: Double) -> String { String(ServiceTime.rfc3339(t).prefix(16)).replacingOccurrences(of: "T", with: " ") }

    /// `13:00`, or `Apr 6` at midnight.
    static func tick(_ t: Double) -> String {
        let s = ServiceTime.rfc3339(t)
        let time = String(s.dropFirst(11).prefix(5))
        if time != "00:00" { return time }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = Int(s.dropFirst(5).prefix(2)) ?? 1
        return "\(months[month - 1]) \(Int(s.dropFirst(8).prefix(2)) ?? 1)"
    }
}
