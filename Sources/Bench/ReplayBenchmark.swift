import Foundation
import InboxAPI
import InboxCore
import Logging
import Projections

/// `bench replay`: how fast read models are rebuilt from a log of `conversations` worked conversations (each
/// received, assigned, answered, every other one closed: about 4.5 events each), the
/// analytics projection alone and (unless told not to) all of them, beside a raw liblmdb cursor scan of as many
/// records in the same run; and how long the reports take over that many facts, as the API computes them: one
/// inbox over its last week, and everything.
public struct ReplayBenchmark {
    public struct Options: Sendable {
        public var directory: URL
        public var conversations = 222_000
        /// Also rebuild every projection (slow at millions of events).
        public var everyProjection = true
        /// Runs of each report; the median is kept.
        public var reportRuns = 5

        public init(directory: URL) {
            self.directory = directory
        }
    }

    /// One report's latency.
    public struct ReportTiming: Sendable {
        public var name: String
        public var rows: Int
        public var median: Duration
    }

    public struct Report: Sendable {
        public var events: Int
        public var analytics: Measurement
        public var all: Measurement?
        public var rawScan: Measurement
        public var reports: [ReportTiming]

        public var markdown: String {
            func rate(_ measurement: Measurement) -> String { String(format: "%.0f events/s", measurement.eventsPerSecond) }
            func share(_ measurement: Measurement) -> String {
                String(format: "%.1f%%", measurement.eventsPerSecond / max(1, rawScan.eventsPerSecond) * 100)
            }
            var lines = [
                "| replay of \(events) events | rate | / raw scan |",
                "|---|---|---|",
                "| analytics projection alone | \(rate(analytics)) | \(share(analytics)) |",
            ]
            if let all { lines.append("| every projection | \(rate(all)) | \(share(all)) |") }
            lines.append("| raw LMDB cursor scan (same run) | \(rate(rawScan)) | 100% |")
            lines += ["", "| report (median of runs) | rows | latency |", "|---|---|---|"]
            lines += reports.map { "| \($0.name) | \($0.rows) | \($0.median.millisecondsText) |" }
            return lines.joined(separator: "\n")
        }
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws -> Report {
        defer { try? FileManager.default.removeItem(at: options.directory) }
        let configuration = AppConfiguration.bench(in: options.directory)
        let data = URL(fileURLWithPath: configuration.dataDirectory)
        let prefill = try await BenchPrefill.run(
            logPath: configuration.logDirectory, conversations: options.conversations, worked: true,
            adminToken: AppConfiguration.benchAdminToken,
            logger: logger)
        let analytics = try await replay(data, projections: ["analytics"], into: "analytics")
        let all = options.everyProjection ? try await replay(data, projections: [], into: "all") : nil
        let reports = try timeReports(views: options.directory.appendingPathComponent("analytics").path, prefill: prefill)

        let raw = RawLMDBBenchmark(record: prefill.messageRecord, directory: options.directory)
        _ = try raw.appends(count: prefill.events, batchSize: 1_000)
        let rawScan = try raw.scan(batchSize: 1_000)
        return Report(events: prefill.events, analytics: analytics, all: all, rawScan: rawScan, reports: reports)
    }

    /// The agents and response-times (by day) reports over the replayed views, as the API computes them.
    private func timeReports(views path: String, prefill: BenchPrefill.Result) throws -> [ReportTiming] {
        let views = try ReadModels(path: path)
        defer { views.close() }
        let inboxId = prefill.inboxId
        // The seven days up to the last message, as a dashboard asks: `to` is exclusive.
        let end = prefill.lastSentAt.addingTimeInterval(0.001)
        let week = AnalyticsQuery(includes: { $0 == inboxId }, from: end.addingTimeInterval(-7 * 86_400), to: end)
        let everything = AnalyticsQuery(includes: { _ in true })
        var timings: [ReportTiming] = []
        for (scope, query) in [("one inbox, last week", week), ("everything", everything)] {
            timings.append(try time("/reports/agents, \(scope)") {
                try views.read { try views.analytics.agents(query, in: $0).count }
            })
            timings.append(try time("/reports/response-times by day, \(scope)") {
                try views.read { try views.analytics.responseTimes(query, grouping: .day, in: $0).count }
            })
        }
        return timings
    }

    private func time(_ name: String, _ report: () throws -> Int) throws -> ReportTiming {
        let clock = ContinuousClock()
        var rows = 0
        var durations: [Duration] = []
        for _ in 0..<max(1, options.reportRuns) {
            durations.append(try clock.measure { rows = try report() })
        }
        return ReportTiming(name: name, rows: rows, median: durations.sorted()[durations.count / 2])
    }

    private func replay(_ data: URL, projections: [String], into name: String) async throws -> Measurement {
        let outcome = try await Replay.run(
            dataDirectory: data.path, projections: projections, until: nil,
            output: options.directory.appendingPathComponent(name).path, logger: logger)
        return Measurement(events: outcome.events, elapsed: .seconds(outcome.seconds), commits: 0)
    }
}
