/// One timed run.
public struct Measurement: Sendable {
    public var events: Int
    public var elapsed: Duration
    /// Write transactions committed (0 for reads).
    public var commits: Int

    public var seconds: Double {
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }

    /// Events per write transaction.
    public var averageBatch: Double { commits > 0 ? Double(events) / Double(commits) : 0 }
}
