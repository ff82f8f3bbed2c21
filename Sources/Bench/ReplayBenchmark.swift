import Foundation
import InboxAPI
import InboxCore
import Logging
import Projections

/// `bench replay`: how fast read models are rebuilt from a log of `conversations` conversations, the
/// analytics projection alone and all of them, beside a raw liblmdb cursor scan of as many records in the same
/// run; and how long the agents report takes over that many facts.
public struct ReplayBenchmark {
    public struct Options: Sendable {
        public var directory: URL
        public var conversations = 500_000

        public init(directory: URL) {
            self.directory = directory
        }
    }

    public struct Report: Sendable {
        public var events: Int
        public var analytics: Measurement
        public var all: Measurement
        public var rawScan: Measurement
        public var reportMilliseconds: Double

        public var markdown: String {
            func rate(_ measurement: Measurement) -> String { String(format: "%.0f events/s", measurement.eventsPerSecond) }
            func share(_ measurement: Measurement) -> String {
                String(format: "%.1f%%", measurement.eventsPerSecond / max(1, rawScan.eventsPerSecond) * 100)
            }
            return [
                "| replay of \(events) events | rate | / raw scan |",
                "|---|---|---|",
                "| analytics projection alone | \(rate(analytics)) | \(share(analytics)) |",
                "| every projection | \(rate(all)) | \(share(all)) |",
                "| raw LMDB cursor scan (same run) | \(rate(rawScan)) | 100% |",
                "| agents report over every fact | \(String(format: "%.0f ms", reportMilliseconds)) | |",
            ].joined(separator: "\n")
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
            logPath: configuration.logDirectory, conversations: options.conversations, adminToken: AppConfiguration.benchAdminToken,
            logger: logger)
        let analytics = try await replay(data, projections: ["analytics"], into: "analytics")
        let all = try await replay(data, projections: [], into: "all")

        // The report as the API computes it, over the replayed views.
        let views = try ReadModels(path: options.directory.appendingPathComponent("all").path)
        let clock = ContinuousClock()
        var rows = 0
        let elapsed = try clock.measure {
            let facts = try views.read { txn in try views.analytics.facts(upTo: nil, in: txn) { _ in true } }
            rows = Reports.agents(facts).count
        }
        views.close()
        precondition(rows >= 0)

        let raw = RawLMDBBenchmark(record: prefill.messageRecord, directory: options.directory)
        _ = try raw.appends(count: prefill.events, batchSize: 1_000)
        let rawScan = try raw.scan(batchSize: 1_000)
        return Report(
            events: prefill.events, analytics: analytics, all: all, rawScan: rawScan, reportMilliseconds: elapsed.timeInterval * 1_000)
    }

    private func replay(_ data: URL, projections: [String], into name: String) async throws -> Measurement {
        let outcome = try await Replay.run(
            dataDirectory: data.path, projections: projections, until: nil,
            output: options.directory.appendingPathComponent(name).path, logger: logger)
        return Measurement(events: outcome.events, elapsed: .seconds(outcome.seconds), commits: 0)
    }
}
