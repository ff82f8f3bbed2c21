import Foundation
import InboxCore
import Logging
import NIOCore
import NIOFoundationCompat
import NIOSSL
import PostgresNIO
import Synchronization

/// The scale-out event log: PostgreSQL behind the same `EventLog` protocol as the embedded LMDB log, so any number
/// of nodes can append to and read one log.
///
/// Positions are gapless and become visible in position order: every append transaction takes one advisory lock,
/// reads the head under it and commits before releasing it. `waitForCommit` is woken by LISTEN/NOTIFY.
///
/// The log's background work (the connection pool, the group-commit writer, the commit listener) runs in `run()`,
/// which the owner runs beside its use of the log, as postgres-nio's own client asks: `withLog` does both. Every
/// operation is bounded by `Configuration.operationTimeout`: a database restarting or out of reach answers
/// `EventLogError.unavailable` rather than holding the caller, and the pool reconnects by itself.
public final class PostgresEventLog: EventLog {
    /// How the log talks to PostgreSQL.
    public struct Configuration: Sendable {
        /// The most events one group commit takes; the rest wait for the next one.
        public var maxEventsPerCommit = 8192
        /// The most connections the pool opens (the commit listener holds one more).
        public var maximumConnections = 20
        /// How often the head is read even without a notification: bounds the delay a lost notification causes.
        public var headPollInterval: Duration = .seconds(1)
        /// How long the commit listener waits before connecting again after losing its connection.
        public var reconnectDelay: Duration = .milliseconds(250)
        /// The longest an append or a read waits for the database (a connection, then the answer) before it fails
        /// as unavailable.
        public var operationTimeout: Duration = .seconds(5)

        public init() {}
    }

    public let identity: UUID
    private let client: PostgresClient
    private let writer: PostgresGroupCommitWriter
    private let listener: CommitListener
    private let notifier: CommitNotifier
    private let operationTimeout: Duration
    private let operations: BoundedOperations
    private let lifecycle = Mutex(Lifecycle())
    private let closed = Atomic(false)
    private let logger: Logger

    private struct Lifecycle {
        var firstConnection: PostgresConnection?
        var running = false
        var stopped = false
        /// `run()` waits here for `close()`.
        var stop: CheckedContinuation<Void, Never>?
        /// `close()` waits here for `run()` to return.
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Opens the log at `url`, runs its background work while `body` uses it, then closes it (letting queued
    /// appends commit) whether `body` returns or throws.
    public static func withLog<R: Sendable>(
        url: String, logger: Logger = Logger(label: "switchboard.eventlog"), configuration: Configuration = Configuration(),
        _ body: (PostgresEventLog) async throws -> R
    ) async throws -> R {
        let log = try await open(url: url, logger: logger, configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await log.run() }
            do {
                let result = try await body(log)
                await log.close()
                return result
            } catch {
                await log.close()
                throw error
            }
        }
    }

    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database`) and creates or migrates
    /// the schema; operations wait for `run()` to be running. Throws `EventLogError.storage` when PostgreSQL cannot be
    /// reached or refuses the schema, `InvalidPostgresURL` for a malformed URL.
    public static func open(
        url: String, logger: Logger = Logger(label: "switchboard.eventlog"), configuration: Configuration = Configuration()
    ) async throws -> PostgresEventLog {
        let target = try PostgresURL(url)
        let connectionConfiguration = try connectionConfiguration(for: target)
        let first: PostgresConnection
        do {
            first = try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
        } catch {
            throw EventLogError.storage(
                "cannot connect to PostgreSQL at \(target): \(PostgresFailure.describe(error))")
        }
        let head: UInt64
        let identity: UUID
        do {
            try await PostgresSchema.migrate(first, logger: logger)
            identity = try await PostgresSchema.identity(first, logger: logger)
            head = try await readHead(through: { try await first.queryAll($0, logger: logger) })
        } catch {
            try? await first.close()
            throw PostgresFailure.eventLogError(error, during: "schema migration at \(target)")
        }
        var clientConfiguration = PostgresClient.Configuration(
            host: target.host, port: target.port, username: target.username, password: target.password,
            database: target.database, tls: clientTLS(for: target.sslMode))
        clientConfiguration.options.maximumConnections = max(1, configuration.maximumConnections)
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        let log = PostgresEventLog(
            client: client, identity: identity, head: head, firstConnection: first, connectionConfiguration: connectionConfiguration,
            configuration: configuration, logger: logger)
        logger.info(
            "Opened event log",
            metadata: ["eventlog.url": "\(target)", "eventlog.head": "\(head)", "eventlog.identity": "\(identity)"])
        return log
    }

    private init(
        client: PostgresClient, identity: UUID, head: UInt64, firstConnection: PostgresConnection,
        connectionConfiguration: PostgresConnection.Configuration, configuration: Configuration, logger: Logger
    ) {
        let notifier = CommitNotifier(head: head)
        let timeout = configuration.operationTimeout
        let operations = BoundedOperations()
        self.identity = identity
        self.operations = operations
        self.client = client
        self.notifier = notifier
        self.logger = logger
        self.operationTimeout = timeout
        writer = PostgresGroupCommitWriter(
            client: client, notifier: notifier, operations: operations, maxEventsPerCommit: configuration.maxEventsPerCommit,
            timeout: timeout, logger: logger)
        listener = CommitListener(
            configuration: connectionConfiguration, notifier: notifier,
            readHead: {
                try await operations.perform(within: timeout) {
                    try await Self.readHead(through: { try await client.queryAll($0, logger: logger) })
                }
            },
            pollInterval: configuration.headPollInterval, reconnectDelay: configuration.reconnectDelay, logger: logger)
        lifecycle.withLock { $0.firstConnection = firstConnection }
    }

    /// Runs the connection pool, the writer and the commit listener until `close()`. Run it once.
    public func run() async {
        let firstConnection = lifecycle.withLock { state -> PostgresConnection?? in
            guard !state.running, !state.stopped else { return nil }
            state.running = true
            defer { state.firstConnection = nil }
            return .some(state.firstConnection)
        }
        guard let firstConnection else { return }
        let (client, writer, listener, operations) = (client, writer, listener, operations)
        await withDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            group.addTask { await operations.run() }
            group.addTask { await writer.run() }
            group.addTask { await listener.run(firstConnection: firstConnection) }
            await withCheckedContinuation { continuation in
                let stopNow = lifecycle.withLock { state in
                    if state.stopped { return true }
                    state.stop = continuation
                    return false
                }
                if stopNow { continuation.resume() }
            }
            group.cancelAll()
        }
        let waiters = lifecycle.withLock { state in
            state.running = false
            defer { state.closeWaiters = [] }
            return state.closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Finishes the appends already queued, then refuses new ones, ends every wait, stops `run()` and closes the
    /// connections (operations after that fail with `EventLogError.closed`).
    public func close() async {
        let running = lifecycle.withLock { $0.running }
        if closed.exchange(true, ordering: .sequentiallyConsistent) == false {
            // The writer drains only while it runs; a log never run has nothing queued that could commit.
            if running { await writer.close() }
            notifier.close()
            operations.finish()
        }
        await withCheckedContinuation { continuation in
            let (stop, done) = lifecycle.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
                state.stopped = true
                defer { state.stop = nil }
                if state.running { state.closeWaiters.append(continuation) }
                return (state.stop, !state.running)
            }
            stop?.resume()
            if done { continuation.resume() }
        }
        if let unused = lifecycle.withLock({ state in defer { state.firstConnection = nil }; return state.firstConnection }) {
            try? await unused.close()
        }
    }

    public func append(_ batch: AppendBatch) async throws(EventLogError) -> AppendResult {
        guard !closed.load(ordering: .relaxed) else { throw .closed }
        return try await writer.append(batch).get()
    }

    public func head() async throws(EventLogError) -> UInt64 {
        let head = try await storage("head read") { [client, logger] in
            try await Self.readHead(through: { try await client.queryAll($0, logger: logger) })
        }
        notifier.publish(head: head)
        return head
    }

    public func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let from = Int64(clamping: max(position, 1))
        let limit = Int64(maxCount)
        return try await storage("read") { [client, logger] in
            try EventRows.decode(
                await client.queryAll(
                    "SELECT \(unescaped: EventRows.columns) FROM events WHERE position >= \(from) ORDER BY position LIMIT \(limit)",
                    logger: logger))
        }
    }

    public func readStream(
        _ stream: StreamID, from version: UInt64, maxCount: Int
    ) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let from = Int64(clamping: max(version, 1))
        let limit = Int64(maxCount)
        return try await storage("stream read") { [client, logger] in
            try EventRows.decode(
                await client.queryAll(
                    """
                    SELECT \(unescaped: EventRows.columns) FROM events
                    WHERE stream_id = \(stream.rawValue) AND stream_version >= \(from) ORDER BY stream_version LIMIT \(limit)
                    """,
                    logger: logger))
        }
    }

    public func streamVersion(_ stream: StreamID) async throws(EventLogError) -> UInt64 {
        try await storage("stream version read") { [client, logger] in
            var version: Int64 = 0
            for row in try await client.queryAll(
                "SELECT coalesce(max(stream_version), 0)::bigint FROM events WHERE stream_id = \(stream.rawValue)",
                logger: logger)
            {
                version = try row.decode(Int64.self)
            }
            return UInt64(version)
        }
    }

    public func blob(_ digest: String) async throws(EventLogError) -> Data? {
        guard Blob.isDigest(digest) else { return nil }
        return try await storage("blob read") { [client, logger] in
            var bytes: Data?
            for row in try await client.queryAll("SELECT bytes FROM blobs WHERE digest = \(digest)", logger: logger) {
                bytes = Data(buffer: try row.decode(ByteBuffer.self))
            }
            return bytes
        }
    }

    public func waitForCommit(after position: UInt64) async throws -> UInt64 {
        try await notifier.wait(after: position)
    }

    /// Runs a database access, reporting its failure as a storage error (or `closed`, once the log is).
    private func storage<R: Sendable>(
        _ operation: String, _ body: @escaping @Sendable () async throws -> R
    ) async throws(EventLogError) -> R {
        guard !closed.load(ordering: .relaxed) else { throw .closed }
        do {
            return try await operations.perform(within: operationTimeout, body)
        } catch {
            if closed.load(ordering: .relaxed) { throw .closed }
            throw PostgresFailure.eventLogError(error, during: operation)
        }
    }

    private static func readHead(
        through run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws -> UInt64 {
        var head: Int64 = 0
        for row in try await run("SELECT coalesce(max(position), 0)::bigint FROM events") {
            head = try row.decode(Int64.self)
        }
        return UInt64(head)
    }

    private static func connectionConfiguration(for target: PostgresURL) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch target.sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.username, password: target.password,
            database: target.database, tls: tls)
    }

    private static func clientTLS(for mode: PostgresURL.SSLMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}
