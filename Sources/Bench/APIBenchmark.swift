import AsyncHTTPClient
import EventLog
import Foundation
import InboxAPI
import InboxCore
import Logging
import Hummingbird
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// `switchboard bench api`: the service as integrations see it, over real HTTP on loopback. A log prefilled
/// with `conversations` conversations is served (the time to catch up is a full rebuild of the read models),
/// then inbox-view queries from many clients, then inbound messages from `connections` connections, each
/// answered only once durable and projected.
public struct APIBenchmark: Sendable {
    public struct Options: Sendable {
        public var conversations = 1_000_000
        public var messages = 20_000
        public var connections = 64
        public var queryClients = 100
        public var queries = 20_000
        public var directory: URL

        public init(directory: URL) {
            self.directory = directory
        }
    }

    public struct Latencies: Sendable {
        public var measurement: Measurement
        public var p50: Duration
        public var p99: Duration

        public init(_ samples: [Duration], elapsed: Duration) {
            let sorted = samples.sorted()
            measurement = Measurement(events: samples.count, elapsed: elapsed, commits: 0)
            p50 = sorted.isEmpty ? .zero : sorted[sorted.count / 2]
            p99 = sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        }
    }

    public struct Report: Sendable {
        public var options: Options
        public var prefilledEvents: Int
        /// From opening the service to its first answer: every projection folding the whole log.
        public var catchUp: Measurement
        /// From opening the service again on the same data to its first answer.
        public var restart: Duration
        public var queries: Latencies
        public var inbound: Latencies
        /// liblmdb alone, durable, batches the size 64 concurrent inbound appends make (2 events each).
        public var rawAtInboundBatch: Measurement
        public var rawBatchSize: Int
    }

    static let adminToken = AppConfiguration.benchAdminToken
    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws -> Report {
        try FileManager.default.createDirectory(at: options.directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: options.directory) }
        let configuration = AppConfiguration.bench(in: options.directory)
        let prefill = try await BenchPrefill.run(
            logPath: configuration.logDirectory, conversations: options.conversations, adminToken: Self.adminToken, logger: logger)

        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Self.clientConfiguration(options))
        do {
            let (catchUp, queries, inbound) = try await Self.serve(configuration, client: client, logger: logger) { api, opened in
                // Held until every projection has folded the prefilled log.
                _ = try await api.send(.GET, "/users", expect: 200, timeout: .hours(2))
                let catchUp = Measurement(events: prefill.events, elapsed: ContinuousClock.now - opened, commits: 0)
                return (catchUp, try await self.queries(api, inboxId: prefill.inboxId), try await Self.inbound(api, channelId: prefill.channelId, messages: options.messages, connections: options.connections))
            }
            // A restart on the same data: the read models are current, so only the log and views open.
            let restart = try await Self.serve(configuration, client: client, logger: logger) { api, opened in
                _ = try await api.send(.GET, "/users", expect: 200, timeout: .hours(2))
                return ContinuousClock.now - opened
            }
            let batch = 2 * options.connections
            let raw = try RawLMDBBenchmark(record: prefill.messageRecord, directory: options.directory)
                .appends(count: max(batch * 50, options.messages * 2), batchSize: batch)
            try await client.shutdown()
            return Report(
                options: options, prefilledEvents: prefill.events, catchUp: catchUp, restart: restart, queries: queries,
                inbound: inbound, rawAtInboundBatch: raw, rawBatchSize: batch)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Opens the service on `configuration`'s data (built by `build`: on its own LMDB log unless told otherwise),
    /// runs `body` against it once it listens (given the instant the opening began), then shuts it down gracefully.
    static func serve<R: Sendable>(
        _ configuration: AppConfiguration, client: HTTPClient, logger: Logger,
        build: ((AppConfiguration) async throws -> any Service)? = nil,
        _ body: (BenchClient, ContinuousClock.Instant) async throws -> R
    ) async throws -> R {
        var configuration = configuration
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        configuration.onServerRunning = { port in portContinuation.yield(port) }
        let opened = ContinuousClock.now
        let app: any Service
        if let build {
            app = try await build(configuration)
        } else {
            app = try await buildApplication(configuration: configuration, logger: logger)
        }
        let service = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw BenchFailure("the server did not start") }
            let result: R
            do {
                result = try await body(BenchClient(client: client, base: "http://127.0.0.1:\(port)/api/v1", token: Self.adminToken), opened)
            } catch {
                await service.triggerGracefulShutdown()
                throw error
            }
            await service.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }

    /// The first page of the inbox view, from `queryClients` clients at once.
    private func queries(_ api: BenchClient, inboxId: String) async throws -> Latencies {
        let perClient = max(1, options.queries / options.queryClients)
        let start = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<options.queryClients {
                group.addTask {
                    var samples: [Duration] = []
                    for _ in 0..<perClient {
                        let began = ContinuousClock.now
                        _ = try await api.send(.GET, "/conversations?inboxId=\(inboxId)&status=open&limit=50", expect: 200)
                        samples.append(ContinuousClock.now - began)
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Latencies(samples, elapsed: ContinuousClock.now - start)
    }

    /// New conversations through `POST /channels/{id}/messages` from `connections` connections at once.
    static func inbound(_ api: BenchClient, channelId: String, messages: Int, connections: Int) async throws -> Latencies {
        let perConnection = max(1, messages / connections)
        let start = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for connection in 0..<connections {
                group.addTask {
                    var samples: [Duration] = []
                    for index in 0..<perConnection {
                        let body = #"{"from":{"email":"visitor\#(connection)-\#(index)@example.com","name":"Visitor"},"#
                            + #""subject":"Order question","text":"Hello, where is my order? It was due yesterday."}"#
                        let began = ContinuousClock.now
                        _ = try await api.send(.POST, "/channels/\(channelId)/messages", body: body, expect: 201)
                        samples.append(ContinuousClock.now - began)
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Latencies(samples, elapsed: ContinuousClock.now - start)
    }

    static func clientConfiguration(_ options: Options) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(options.connections, options.queryClients)
        return configuration
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
