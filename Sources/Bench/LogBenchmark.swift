import EventLog
import Foundation
import InboxCore
import Logging

/// `switchboard bench log`: durable appends through `LMDBEventLog` with 1, 8 and 64 concurrent writers and a
/// full replay, each next to raw liblmdb doing the same work in the same run.
public struct LogBenchmark: Sendable {
    public struct Options: Sendable {
        /// Events appended in each concurrent-writer run (the single-writer run takes fewer: it is fsync-bound).
        public var events = 20_000
        /// Events the single-writer run appends.
        public var singleWriterEvents = 2_000
        /// Events written (in batches of 1,000) and then read back by the replay run.
        public var replayEvents = 200_000
        /// Size of each event's JSON payload.
        public var payloadBytes = 300
        public var writerCounts = [1, 8, 64]
        /// Each append row is run this many times, the log then raw LMDB back to back; the median ratio is kept
        /// (a shared disk's fsync time drifts between runs).
        public var repeats = 3
        /// Where the scratch databases go; removed afterwards.
        public var directory: URL

        public init(directory: URL) {
            self.directory = directory
        }
    }

    public struct AppendRow: Sendable {
        public var writers: Int
        public var log: Measurement
        public var raw: Measurement
        public var ratio: Double { raw.eventsPerSecond > 0 ? log.eventsPerSecond / raw.eventsPerSecond : 0 }
    }

    public struct ReplayRow: Sendable {
        public var name: String
        public var measurement: Measurement
    }

    public struct Report: Sendable {
        public var recordBytes: Int
        public var repeats: Int
        public var appends: [AppendRow]
        public var replay: [ReplayRow]
        public var rawScan: Measurement
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws -> Report {
        let sample = BenchSample(payloadBytes: options.payloadBytes)
        try FileManager.default.createDirectory(at: options.directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: options.directory) }
        let record = EventRecordCodec.encode(sample.recorded(position: 1))
        let raw = RawLMDBBenchmark(record: record, directory: options.directory)

        var rows: [AppendRow] = []
        for writers in options.writerCounts {
            let count = writers == 1 ? options.singleWriterEvents : options.events
            var runs: [AppendRow] = []
            for attempt in 0..<max(1, options.repeats) {
                let log = try await appends(writers: writers, count: count, sample: sample, attempt: attempt)
                // The raw run commits in the group size the log reached, so the ratio compares like with like.
                let batch = max(1, Int(log.averageBatch.rounded()))
                let rawRun = try raw.appends(count: count, batchSize: batch)
                runs.append(AppendRow(writers: writers, log: log, raw: rawRun))
                logger.info("bench.log appends", metadata: ["writers": "\(writers)", "batch": "\(batch)"])
            }
            rows.append(runs.sorted { $0.ratio < $1.ratio }[runs.count / 2])
        }

        let replayPath = options.directory.appendingPathComponent("log-replay").path
        try await fill(path: replayPath, count: options.replayEvents, sample: sample)
        _ = try raw.appends(count: options.replayEvents, batchSize: 1_000)
        let rawScan = try raw.scan(batchSize: 1_000)
        let replay = try await replayRuns(path: replayPath)
        return Report(recordBytes: record.count, repeats: max(1, options.repeats), appends: rows, replay: replay, rawScan: rawScan)
    }

    /// `writers` tasks each append single events (one new conversation stream each, expecting no stream),
    /// waiting for durability before the next, as request handlers do.
    private func appends(writers: Int, count: Int, sample: BenchSample, attempt: Int) async throws -> Measurement {
        let path = options.directory.appendingPathComponent("log-\(writers)-writers-\(attempt)").path
        let log = try LMDBEventLog(path: path, logger: logger)
        let elapsed = try await Self.concurrentAppends(to: log, writers: writers, count: count, sample: sample)
        let statistics = log.statistics
        await log.close()
        return Measurement(events: statistics.events, elapsed: elapsed, commits: statistics.commits)
    }

    /// How long `writers` tasks take to append `count` single events between them, each a new conversation
    /// (expecting no stream) and each awaited before the next, as request handlers do.
    static func concurrentAppends(to log: some EventLogWriter, writers: Int, count: Int, sample: BenchSample) async throws -> Duration {
        let perWriter = count / writers
        return try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        for _ in 0..<perWriter {
                            let event = sample.proposed()
                            _ = try await log.append(AppendBatch([event], expectations: [event.streamId: .noStream]))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    private func fill(path: String, count: Int, sample: BenchSample) async throws {
        let log = try LMDBEventLog(path: path, logger: logger)
        var written = 0
        while written < count {
            let size = min(1_000, count - written)
            let events = (0..<size).map { _ in sample.proposed() }
            _ = try await log.append(AppendBatch(events))
            written += size
        }
        await log.close()
    }

    /// Reads the whole log back in pages: envelopes only, then envelopes plus each payload's JSON decoded
    /// (what a projection folding every event pays).
    private func replayRuns(path: String) async throws -> [ReplayRow] {
        let log = try LMDBEventLog(path: path, logger: logger)
        let decoder = JSONDecoder()
        let envelopes: Measurement
        let decoded: Measurement
        do {
            envelopes = try measureReplay(log) { _ in }
            decoded = try measureReplay(log) { event in
                _ = try decoder.decode(SampleMessage.self, from: event.payload)
            }
        } catch {
            await log.close()
            throw error
        }
        await log.close()
        return [
            ReplayRow(name: "replay, envelopes", measurement: envelopes),
            ReplayRow(name: "replay, envelopes + JSON payloads", measurement: decoded),
        ]
    }

    private func measureReplay(_ log: LMDBEventLog, visit: (RecordedEvent) throws -> Void) throws -> Measurement {
        var position: UInt64 = 1
        var total = 0
        let elapsed = try ContinuousClock().measure {
            while true {
                let page = try log.readNow(from: position, maxCount: 4_096)
                guard let last = page.last else { break }
                for event in page { try visit(event) }
                total += page.count
                position = last.position + 1
            }
        }
        return Measurement(events: total, elapsed: elapsed, commits: 0)
    }
}

private struct SampleMessage: Decodable {
    var conversationId: String
    var channelId: String
    var from: String
    var subject: String
    var text: String
}
