import Foundation

extension LogBenchmark.Report {
    /// The report as Markdown tables, ready for BENCHMARKS.md.
    public var markdown: String {
        var lines = [
            "Record size: \(recordBytes) bytes (binary header + JSON payload). Append rows: the run with the median "
                + "ratio of \(repeats).",
            "",
            "| writers | log events/s | avg events/commit | raw LMDB events/s at that batch | log / raw |",
            "|---:|---:|---:|---:|---:|",
        ]
        for row in appends {
            lines.append(
                "| \(row.writers) | \(whole(row.log.eventsPerSecond)) | \(oneDecimal(row.log.averageBatch)) "
                    + "| \(whole(row.raw.eventsPerSecond)) (batch \(Int(row.raw.averageBatch.rounded()))) "
                    + "| \(percent(row.ratio)) |")
        }
        lines += [
            "",
            "| replay of \(rawScan.events) events | events/s | vs raw cursor scan |",
            "|---|---:|---:|",
            "| raw LMDB cursor scan | \(whole(rawScan.eventsPerSecond)) | 100% |",
        ]
        for row in replay {
            let ratio = rawScan.eventsPerSecond > 0 ? row.measurement.eventsPerSecond / rawScan.eventsPerSecond : 0
            lines.append("| \(row.name) | \(whole(row.measurement.eventsPerSecond)) | \(percent(ratio)) |")
        }
        return lines.joined(separator: "\n")
    }

    private func whole(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value.rounded())) ?? "\(Int(value))"
    }

    private func oneDecimal(_ value: Double) -> String { String(format: "%.1f", value) }
    private func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}
