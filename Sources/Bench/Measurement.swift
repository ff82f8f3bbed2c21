import Foundation
import InboxCore

/// One timed run.
public struct Measurement: Sendable {
    public var events: Int
    public var elapsed: Duration
    /// Write transactions committed (0 for reads).
    public var commits: Int

    public var seconds: Double { elapsed.timeInterval }

    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }

    /// Events per write transaction.
    public var averageBatch: Double { commits > 0 ? Double(events) / Double(commits) : 0 }
}

extension Duration {
    /// As the reports print latencies: `12.34 ms`.
    var millisecondsText: String { String(format: "%.2f ms", timeInterval * 1000) }
}
