import AsyncHTTPClient
import EventLog
import Foundation
import InboxAPI
import InboxCore
import Logging
import NIOHTTP1
import PostgresEventLog
import PostgresNIO
import ServiceLifecycle

/// `switchboard bench postgres`: the scale-out log on a PostgreSQL server, beside the embedded LMDB log and
/// beside pgbench inserting rows of the same size on the same server, in one run: durable appends with 1, 8 and
/// 64 writers, then inbound messages through the HTTP API. Every run gets a scratch database, dropped afterwards.
public struct PostgresBenchmark: Sendable {
    public struct Options: Sendable {
        /// The server, as a user who may create databases; the database named is only used to connect.
        public var url: PostgresURL
        public var events = 20_000
        public var singleWriterEvents = 1_000
        public var writerCounts = [1, 8, 64]
        public var payloadBytes = 300
        public var messages = 5_000
        public var connections = 64
        /// The pgbench executable.
        public var pgbench = "pgbench"
        /// Where the LMDB logs and the nodes' read models go; removed afterwards.
        public var directory: URL

        public init(url: PostgresURL, directory: URL) {
            self.url = url
            self.directory = directory
        }
    }

    public struct AppendRow: Sendable {
        public var writers: Int
        public var postgres: Measurement
        public var lmdb: Measurement
        /// pgbench's rate of single-row INSERT transactions with as many clients (nil when it could not run).
        public var pgbenchInserts: Double?
    }

    public struct Report: Sendable {
        public var options: Options
        public var server: String
        public var appends: [AppendRow]
        public var inboundPostgres: APIBenchmark.Latencies
        public var inboundLMDB: APIBenchmark.Latencies
    }

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws -> Report {
        try FileManager.default.createDirectory(at: options.directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: options.directory) }
        let sample = BenchSample(payloadBytes: options.payloadBytes)
        let server = try await withScratchDatabase { database in try await serverVersion(database) }

        var rows: [AppendRow] = []
        for writers in options.writerCounts {
            let count = writers == 1 ? options.singleWriterEvents : options.events
            let postgres = try await withScratchDatabase { database in
                try await PostgresEventLog.withLog(url: database.urlString, logger: logger) { log in
                    let elapsed = try await LogBenchmark.concurrentAppends(to: log, writers: writers, count: count, sample: sample)
                    return Measurement(events: count / writers * writers, elapsed: elapsed, commits: 0)
                }
            }
            let lmdbPath = options.directory.appendingPathComponent("lmdb-\(writers)").path
            let lmdbLog = try LMDBEventLog(path: lmdbPath, logger: logger)
            let lmdbElapsed = try await LogBenchmark.concurrentAppends(to: lmdbLog, writers: writers, count: count, sample: sample)
            let statistics = lmdbLog.statistics
            await lmdbLog.close()
            let inserts = try await withScratchDatabase { database in
                try await pgbenchInserts(database, clients: writers, transactions: count, payload: sample.payload)
            }
            rows.append(AppendRow(
                writers: writers, postgres: postgres,
                lmdb: Measurement(events: statistics.events, elapsed: lmdbElapsed, commits: statistics.commits),
                pgbenchInserts: inserts))
        }

        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: APIBenchmark.clientConfiguration(
            APIBenchmark.Options(directory: options.directory)))
        do {
            let onPostgres = try await withScratchDatabase { database in
                try await PostgresEventLog.withLog(url: database.urlString, logger: logger) { log in
                    try await inbound(node: "postgres", client: client) { configuration in
                        try await buildApplication(configuration: configuration, sharedLog: log, logger: logger)
                    }
                }
            }
            let onLMDB = try await inbound(node: "lmdb", client: client, build: nil)
            try await client.shutdown()
            return Report(options: options, server: server, appends: rows, inboundPostgres: onPostgres, inboundLMDB: onLMDB)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Inbound messages through a service on an empty log (its own LMDB log unless `build` says otherwise).
    private func inbound(
        node: String, client: HTTPClient, build: ((AppConfiguration) async throws -> any Service)?
    ) async throws -> APIBenchmark.Latencies {
        let configuration = AppConfiguration.bench(in: options.directory.appendingPathComponent("node-\(node)"))
        return try await APIBenchmark.serve(configuration, client: client, logger: logger, build: build) { api, _ in
            let inbox = try await api.send(.POST, "/inboxes", body: #"{"name":"Bench"}"#, expect: 201)
            let inboxId = try Self.id(in: inbox)
            let channel = try await api.send(
                .POST, "/inboxes/\(inboxId)/channels", body: #"{"type":"custom","name":"Bench"}"#, expect: 201)
            return try await APIBenchmark.inbound(
                api, channelId: try Self.id(in: channel), messages: options.messages, connections: options.connections)
        }
    }

    private static func id(in body: ByteBuffer) throws -> String {
        struct Created: Decodable { var id: String }
        return try JSONDecoder().decode(Created.self, from: Data(body.readableBytesView)).id
    }

    /// Runs `body` on a new empty database of the server, dropping it afterwards.
    private func withScratchDatabase<R: Sendable>(_ body: (PostgresURL) async throws -> R) async throws -> R {
        let name = "switchboard_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try await withConnection(to: options.url) { try await $0.query("CREATE DATABASE \(unescaped: name)", logger: logger) }
        do {
            let result = try await body(options.url.with(database: name))
            try await withConnection(to: options.url) { try await $0.query("DROP DATABASE \(unescaped: name) WITH (FORCE)", logger: logger) }
            return result
        } catch {
            _ = try? await withConnection(to: options.url) { try await $0.query("DROP DATABASE \(unescaped: name) WITH (FORCE)", logger: logger) }
            throw error
        }
    }

    /// Runs `body` on a connection of its own to `database` (the server's own database for creating others).
    func withConnection<R: Sendable>(to database: PostgresURL, _ body: (PostgresConnection) async throws -> R) async throws -> R {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: database.host, port: database.port, username: database.username,
                password: database.password, database: database.database, tls: .disable),
            id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func serverVersion(_ database: PostgresURL) async throws -> String {
        try await withConnection(to: database) { connection in
            var version = ""
            for try await found in try await connection.query("SHOW server_version", logger: logger).decode(String.self) {
                version = found
            }
            return "PostgreSQL \(version)"
        }
    }
}
