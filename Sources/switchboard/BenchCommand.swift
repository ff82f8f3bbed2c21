import ArgumentParser
import Bench
import Foundation
import Logging
import PostgresEventLog

/// `switchboard bench`: the project's own benchmarks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Switchboard against raw LMDB on this machine.",
        subcommands: [LogBench.self, APIBench.self, SMTPBench.self, ReplayBench.self, PostgresBench.self])

    /// What every benchmark starts from: a quiet logger and its scratch directory (`--dir`, or a fresh one).
    static func setUp(dir: String?) -> (Logger, URL) {
        var logger = Logger(label: "switchboard.bench")
        logger.logLevel = .warning
        let directory = dir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bench-\(UUID().uuidString)")
        return (logger, directory)
    }
}

/// `switchboard bench log`: durable appends with 1, 8 and 64 writers and replay, each as a ratio of raw LMDB.
struct LogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Durable append and replay throughput of the event log next to raw liblmdb.")

    @Option(help: "Events appended by each concurrent-writer run.")
    var events = 20_000

    @Option(help: "Events appended by the single-writer run (one fsync each).")
    var singleWriterEvents = 2_000

    @Option(help: "Events written and then replayed.")
    var replayEvents = 200_000

    @Option(help: "Bytes of JSON payload per event.")
    var payloadBytes = 300

    @Option(help: "Runs of each append row; the median ratio is reported.")
    var repeats = 3

    @Option(help: "Scratch directory (removed afterwards); defaults to a fresh temporary one.")
    var dir: String?

    func validate() throws {
        guard events > 0, singleWriterEvents > 0, replayEvents > 0, repeats > 0 else {
            throw ValidationError("event counts must be positive")
        }
        guard (64...100_000).contains(payloadBytes) else {
            throw ValidationError("--payload-bytes must be between 64 and 100000")
        }
    }

    func run() async throws {
        let (logger, directory) = BenchCommand.setUp(dir: dir)
        var options = LogBenchmark.Options(directory: directory)
        options.events = events
        options.singleWriterEvents = singleWriterEvents
        options.replayEvents = replayEvents
        options.payloadBytes = payloadBytes
        options.repeats = repeats
        let report = try await LogBenchmark(options: options, logger: logger).run()
        print(report.markdown)
    }
}

/// `switchboard bench api`: the HTTP API on loopback over a prefilled log.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Inbound messages and inbox-view latency through the HTTP API, with raw liblmdb alongside.")

    @Option(help: "Conversations written to the log before the service starts.")
    var conversations = 1_000_000

    @Option(help: "Inbound messages posted during the run.")
    var messages = 20_000

    @Option(help: "Concurrent connections posting inbound messages.")
    var connections = 64

    @Option(help: "Concurrent clients querying the inbox view.")
    var queryClients = 100

    @Option(help: "Inbox-view queries in all.")
    var queries = 20_000

    @Option(help: "Scratch directory (removed afterwards); defaults to a fresh temporary one.")
    var dir: String?

    func validate() throws {
        guard conversations >= 0, messages > 0, connections > 0, queryClients > 0, queries > 0 else {
            throw ValidationError("counts must be positive")
        }
    }

    func run() async throws {
        let (logger, directory) = BenchCommand.setUp(dir: dir)
        var options = APIBenchmark.Options(directory: directory)
        options.conversations = conversations
        options.messages = messages
        options.connections = connections
        options.queryClients = queryClients
        options.queries = queries
        let report = try await APIBenchmark(options: options, logger: logger).run()
        print(report.markdown)
    }
}

/// `switchboard bench smtp`: mail accepted through the SMTP listener from concurrent senders.
struct SMTPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtp",
        abstract: "Messages accepted through the SMTP listener (durable before 250), with raw liblmdb alongside.")

    @Option(help: "Messages sent in all.") var messages = 4_000
    @Option(help: "Concurrent SMTP senders, one session per message.") var senders = 16
    @Option(help: "Approximate bytes of each message's body.") var bodyBytes = 2_000
    @Option(help: "Scratch directory (removed afterwards); defaults to a fresh temporary one.") var dir: String?

    func validate() throws {
        guard messages > 0, senders > 0, bodyBytes > 0 else { throw ValidationError("counts must be positive") }
    }

    func run() async throws {
        let (logger, directory) = BenchCommand.setUp(dir: dir)
        var options = SMTPBenchmark.Options(directory: directory)
        options.messages = messages
        options.senders = senders
        options.bodyBytes = bodyBytes
        print(try await SMTPBenchmark(options: options, logger: logger).run().markdown)
    }
}

/// `switchboard bench replay`: rebuilding read models from the log, and a report over every fact.
struct ReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Read models rebuilt from a prefilled log (analytics alone and all), with a raw liblmdb scan alongside, and report latencies.")

    @Option(
        help: "Conversations in the prefilled log, each received, assigned and answered, every other one closed (4.5 events each): 2222000 makes 10M events."
    ) var conversations = 222_000
    @Flag(help: "Rebuild only the analytics projection, not also every projection (which takes long at 10M events).")
    var analyticsOnly = false
    @Option(help: "Scratch directory (removed afterwards); defaults to a fresh temporary one.") var dir: String?

    func validate() throws {
        guard conversations > 0 else { throw ValidationError("--conversations must be positive") }
    }

    func run() async throws {
        let (logger, directory) = BenchCommand.setUp(dir: dir)
        var options = ReplayBenchmark.Options(directory: directory)
        options.conversations = conversations
        options.everyProjection = !analyticsOnly
        print(try await ReplayBenchmark(options: options, logger: logger).run().markdown)
    }
}

/// `switchboard bench postgres`: the PostgreSQL log beside the LMDB log and pgbench, on one server.
struct PostgresBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Durable appends and inbound messages on the PostgreSQL log, beside the LMDB log and pgbench's INSERTs.",
        discussion: "Scripts/bench-postgres.sh starts a throwaway server and runs this against it.")

    @Option(help: "The server, as postgres://user@host[:port]/database; the user must be allowed to create databases.")
    var url: String
    @Option(help: "Events appended by each concurrent-writer run.") var events = 20_000
    @Option(help: "Events appended by the single-writer run.") var singleWriterEvents = 1_000
    @Option(help: "Inbound messages posted through the API on each log.") var messages = 5_000
    @Option(help: "Concurrent connections posting inbound messages.") var connections = 64
    @Option(help: "The pgbench executable.") var pgbench = "pgbench"
    @Option(help: "Scratch directory (removed afterwards); defaults to a fresh temporary one.") var dir: String?

    func validate() throws {
        guard events > 0, singleWriterEvents > 0, messages > 0, connections > 0 else {
            throw ValidationError("counts must be positive")
        }
        do {
            _ = try PostgresURL(url)
        } catch {
            throw ValidationError("--url: \(error)")
        }
    }

    func run() async throws {
        let (logger, directory) = BenchCommand.setUp(dir: dir)
        let target = try PostgresURL(url).withPassword(from: ProcessInfo.processInfo.environment)
        var options = PostgresBenchmark.Options(url: target, directory: directory)
        options.events = events
        options.singleWriterEvents = singleWriterEvents
        options.messages = messages
        options.connections = connections
        options.pgbench = pgbench
        print(try await PostgresBenchmark(options: options, logger: logger).run().markdown)
    }
}
