import Foundation

extension APIBenchmark.Report {
    /// The report as Markdown, ready for BENCHMARKS.md.
    public var markdown: String {
        func rate(_ value: Double) -> String { String(format: "%.0f", value) }
        let inboundEvents = inbound.measurement.eventsPerSecond * 2
        return [
            "| measurement | result |",
            "|---|---:|",
            "| conversations loaded (events in the log) | \(options.conversations) (\(prefilledEvents)) |",
            "| start-up until the first answer (all projections folded from scratch) | \(String(format: "%.1f s", catchUp.seconds)), \(rate(catchUp.eventsPerSecond)) events/s |",
            "| restart on the same data until the first answer | \(restart.millisecondsText) |",
            "| inbox view, first page of 50, \(options.queryClients) concurrent clients | \(rate(queries.measurement.eventsPerSecond)) queries/s, p50 \(queries.p50.millisecondsText), p99 \(queries.p99.millisecondsText) |",
            "| inbound messages, \(options.connections) connections (durable and projected before 201) | \(rate(inbound.measurement.eventsPerSecond)) messages/s, p50 \(inbound.p50.millisecondsText), p99 \(inbound.p99.millisecondsText) |",
            "| raw LMDB durable appends, batches of \(rawBatchSize) (same run) | \(rate(rawAtInboundBatch.eventsPerSecond)) events/s |",
            "| inbound events (2 per new conversation) / raw | \(String(format: "%.1f%%", inboundEvents / max(1, rawAtInboundBatch.eventsPerSecond) * 100)) |",
        ].joined(separator: "\n")
    }
}
