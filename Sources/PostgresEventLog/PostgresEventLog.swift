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
/// The log owns its background work (the connection pool's `run()`, the group-commit writer, the commit listener)
/// in one task whose children are structured, started by `open` and cancelled and awaited by `close`. It is opened
/// and closed like `LMDBEventLog`, so the application can pick either without changing how it manages them.
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

        public init() {}
    }

    private let client: PostgresClient
    private let writer: PostgresGroupCommitWriter
    private let notifier: CommitNotifier
    private let background: Task<Void, Never>
    private let closed = Atomic(false)
    private let logger: Logger

    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database`), creates or migrates
    /// the schema, and starts the log's background work. Throws `EventLogError.storage` when PostgreSQL cannot be
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
        do {
            try await PostgresSchema.migrate(first, logger: logger)
            head = try await readHead(through: { try await first.query($0, logger: logger) })
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
            client: client, head: head, firstConnection: first, connectionConfiguration: connectionConfiguration,
            configuration: configuration, logger: logger)
        logger.info("Opened event log", metadata: ["eventlog.url": "\(target)", "eventlog.head": "\(head)"])
        return log
    }

    private init(
        client: PostgresClient, head: UInt64, firstConnection: PostgresConnection,
        connectionConfiguration: PostgresConnection.Configuration, configuration: Configuration, logger: Logger
    ) {
        let notifier = CommitNotifier(head: head)
        let writer = PostgresGroupCommitWriter(
            client: client, notifier: notifier, maxEventsPerCommit: configuration.maxEventsPerCommit, logger: logger)
        let listener = CommitListener(
            configuration: connectionConfiguration, notifier: notifier,
            readHead: { try await Self.readHead(through: { try await client.query($0, logger: logger) }) },
            pollInterval: configuration.headPollInterval, reconnectDelay: configuration.reconnectDelay, logger: logger)
        self.client = client
        self.writer = writer
        self.notifier = notifier
        self.logger = logger
        background = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                group.addTask { await writer.run() }
                group.addTask { await listener.run(firstConnection: firstConnection) }
            }
        }
    }

    /// Finishes the appends already queued, then refuses new ones, ends every wait and closes the connections
    /// (operations after that fail with `EventLogError.closed`).
    public func close() async {
        if closed.exchange(true, ordering: .sequentiallyConsistent) == false {
            await writer.close()
            notifier.close()
            background.cancel()
        }
        await background.value
    }

    public func append(_ batch: AppendBatch) async throws(EventLogError) -> AppendResult {
        try await writer.append(batch).get()
    }

    public func head() async throws(EventLogError) -> UInt64 {
        let head = try await storage("head read") {
            try await Self.readHead(through: { try await client.query($0, logger: logger) })
        }
        notifier.publish(head: head)
        return head
    }

    public func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let from = Int64(clamping: max(position, 1))
        let limit = Int64(maxCount)
        return try await storage("read") {
            try await EventRows.decode(
                client.query(
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
        return try await storage("stream read") {
            try await EventRows.decode(
                client.query(
                    """
                    SELECT \(unescaped: EventRows.columns) FROM events
                    WHERE stream_id = \(stream.rawValue) AND stream_version >= \(from) ORDER BY stream_version LIMIT \(limit)
                    """,
                    logger: logger))
        }
    }

    public func streamVersion(_ stream: StreamID) async throws(EventLogError) -> UInt64 {
        try await storage("stream version read") {
            var version: Int64 = 0
            for try await found in try await client.query(
                "SELECT coalesce(max(stream_version), 0)::bigint FROM events WHERE stream_id = \(stream.rawValue)",
                logger: logger
            ).decode(Int64.self) {
                version = found
            }
            return UInt64(version)
        }
    }

    public func blob(_ digest: String) async throws(EventLogError) -> Data? {
        guard Blob.isDigest(digest) else { return nil }
        return try await storage("blob read") {
            var bytes: Data?
            for try await found in try await client.query(
                "SELECT bytes FROM blobs WHERE digest = \(digest)", logger: logger
            ).decode(ByteBuffer.self) {
                bytes = Data(buffer: found)
            }
            return bytes
        }
    }

    public func waitForCommit(after position: UInt64) async throws -> UInt64 {
        try await notifier.wait(after: position)
    }

    /// Runs a database access, reporting its failure as a storage error (or `closed`, once the log is).
    private func storage<R>(_ operation: String, _ body: () async throws -> R) async throws(EventLogError) -> R {
        guard !closed.load(ordering: .relaxed) else { throw .closed }
        do {
            return try await body()
        } catch {
            if closed.load(ordering: .relaxed) { throw .closed }
            throw PostgresFailure.eventLogError(error, during: operation)
        }
    }

    private static func readHead(
        through run: (PostgresQuery) async throws -> PostgresRowSequence
    ) async throws -> UInt64 {
        var head: Int64 = 0
        for try await found in try await run("SELECT coalesce(max(position), 0)::bigint FROM events").decode(Int64.self) {
            head = found
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
