import Foundation
import InboxCore
import LMDB
import Logging

/// The embedded event log: LMDB with one writer thread that commits concurrent appends together.
///
/// Databases: `events` (position -> record), `streams` (stream id + version -> position), `eventIds`
/// (event id -> position), `blobs` (SHA-256 -> bytes). An append returns only after the fsync that made it durable.
public final class LMDBEventLog: EventLog {
    /// How the log is opened.
    public struct Configuration: Sendable {
        /// The directory holding the LMDB files.
        public var path: String
        /// LMDB settings; the map grows by itself when full.
        public var environment = Environment.Configuration()
        /// The most events one group commit takes; the rest wait for the next one.
        public var maxEventsPerCommit = 8192
        /// Stamps each commit's `recordedAt` (inject a clock to make tests deterministic).
        public var now: @Sendable () -> Date = { Date() }

        public init(path: String) {
            self.path = path
        }
    }

    /// Counters of the writer, for benchmarks and logs.
    public struct Statistics: Sendable, Equatable {
        /// Write transactions committed.
        public var commits = 0
        /// Append calls answered by those commits (refused ones included).
        public var appends = 0
        /// Events written.
        public var events = 0
    }

    public let identity: UUID
    let environment: Environment
    let databases: LogDatabases
    private let notifier: CommitNotifier
    private let writer: GroupCommitWriter

    /// Opens the log in `configuration.path`, creating it when absent.
    public init(configuration: Configuration, logger: Logger = Logger(label: "switchboard.eventlog")) throws {
        let environment = try Environment(path: configuration.path, configuration: configuration.environment)
        let databases = try LogDatabases(environment: environment)
        let head = try environment.read { txn in
            try txn.withCursor(databases.events) { cursor in
                try cursor.last().map { LogKeys.decodePosition($0.key) } ?? 0
            }
        }
        identity = try databases.identity(in: environment)
        self.environment = environment
        self.databases = databases
        notifier = CommitNotifier(head: head)
        writer = GroupCommitWriter(
            environment: environment, databases: databases, head: head, notifier: notifier,
            maxEventsPerCommit: configuration.maxEventsPerCommit, now: configuration.now, logger: logger)
        if environment.staleReadersCleared > 0 {
            logger.notice(
                "Cleared stale LMDB readers", metadata: ["lmdb.stale_readers": "\(environment.staleReadersCleared)"])
        }
        logger.info(
            "Opened event log",
            metadata: ["eventlog.path": "\(configuration.path)", "eventlog.head": "\(head)", "eventlog.identity": "\(identity)"])
    }

    /// Convenience: opens the log in directory `path` with default settings.
    public convenience init(path: String, logger: Logger = Logger(label: "switchboard.eventlog")) throws {
        try self.init(configuration: Configuration(path: path), logger: logger)
    }

    /// Finishes the appends already queued, then refuses new ones, ends every subscription and closes the
    /// LMDB environment (reads after that fail with `EventLogError.closed`).
    public func close() async {
        await writer.close()
        notifier.close()
        environment.close()
    }

    /// The writer's counters so far.
    public var statistics: Statistics { writer.statistics }

    public func append(_ batch: AppendBatch) async throws(EventLogError) -> AppendResult {
        try await writer.append(batch).get()
    }

    public func head() async throws(EventLogError) -> UInt64 {
        notifier.head
    }

    public func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        try readNow(from: position, maxCount: maxCount)
    }

    /// `read(from:maxCount:)` without suspending: LMDB reads never block on the writer.
    public func readNow(from position: UInt64, maxCount: Int) throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        return try storageAccess {
            try environment.read { txn in
                try txn.withCursor(databases.events) { cursor in
                    var events: [RecordedEvent] = []
                    var entry = try cursor.seek(atOrAfter: LogKeys.position(max(position, 1)))
                    while let current = entry, events.count < maxCount {
                        events.append(try EventRecordCodec.decode(current.value))
                        entry = try cursor.next()
                    }
                    return events
                }
            }
        }
    }

    public func readStream(
        _ stream: StreamID, from version: UInt64, maxCount: Int
    ) async throws(EventLogError) -> [RecordedEvent] {
        guard maxCount > 0 else { return [] }
        let prefix = LogKeys.streamPrefix(stream)
        return try storageAccess {
            try environment.read { txn in
                try txn.withCursor(databases.streams) { cursor in
                    var events: [RecordedEvent] = []
                    var entry = try cursor.seek(atOrAfter: LogKeys.stream(stream, version: max(version, 1)))
                    while let current = entry, current.key.starts(with: prefix), events.count < maxCount {
                        guard let record = try txn.value(databases.events, for: current.value) else {
                            throw EventRecordCodec.CorruptRecord(reason: "stream index names a missing event")
                        }
                        events.append(try EventRecordCodec.decode(record))
                        entry = try cursor.next()
                    }
                    return events
                }
            }
        }
    }

    public func streamVersion(_ stream: StreamID) async throws(EventLogError) -> UInt64 {
        try storageAccess {
            try environment.read { txn in try databases.streamVersion(stream, in: txn) }
        }
    }

    public func blob(_ digest: String) async throws(EventLogError) -> Data? {
        guard Blob.isDigest(digest) else { return nil }
        return try storageAccess {
            try environment.read { txn in
                try txn.value(databases.blobs, for: LogKeys.blob(digest)).map { Data($0) }
            }
        }
    }

    public func waitForCommit(after position: UInt64) async throws -> UInt64 {
        try await notifier.wait(after: position)
    }
}

/// Runs an LMDB access and reports its failure as a storage error (or `closed`, once the log is).
func storageAccess<R>(_ body: () throws -> R) throws(EventLogError) -> R {
    do {
        return try body()
    } catch let error as EventLogError {
        throw error
    } catch let error as LMDBError where error.code == EBADF {
        throw .closed
    } catch {
        throw .storage(String(describing: error))
    }
}

/// The log's database handles and the lookups both the writer and readers need.
struct LogDatabases: Sendable {
    let events: Database
    let streams: Database
    let eventIds: Database
    /// SHA-256 -> bytes, for blobs appended with batches.
    let blobs: Database
    /// What the log says of itself: its identity.
    let meta: Database
    private static let identityKey = Array("identity".utf8)

    init(environment: Environment) throws {
        events = try environment.openDatabase("events")
        streams = try environment.openDatabase("streams")
        eventIds = try environment.openDatabase("eventIds")
        blobs = try environment.openDatabase("blobs")
        meta = try environment.openDatabase("meta")
    }

    /// The log's identity, made the first time it is opened (a log from before identities gets one then).
    func identity(in environment: Environment) throws -> UUID {
        let stored = try environment.read { txn in try txn.value(meta, for: Self.identityKey).map { [UInt8]($0) } }
        if let stored { return try Self.decodeIdentity(stored) }
        return try environment.write { txn in
            // Another process may have made it in between: the first one made stays.
            if let stored = try txn.value(meta, for: Self.identityKey) { return try Self.decodeIdentity([UInt8](stored)) }
            let identity = UUID()
            try txn.put(meta, key: Self.identityKey, value: Array(identity.uuidString.utf8))
            return identity
        }
    }

    private static func decodeIdentity(_ bytes: [UInt8]) throws -> UUID {
        guard let identity = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else {
            throw EventRecordCodec.CorruptRecord(reason: "the log's identity is not a UUID")
        }
        return identity
    }

    func streamVersion(_ stream: StreamID, in txn: borrowing some Transaction & ~Copyable) throws -> UInt64 {
        try txn.withCursor(streams) { cursor in
            try cursor.last(withPrefix: LogKeys.streamPrefix(stream)).map { LogKeys.decodeVersion(streamKey: $0.key) } ?? 0
        }
    }

    func committedEvent(_ id: UUID, in txn: borrowing some Transaction & ~Copyable) throws -> CommittedEvent? {
        guard let position = try txn.value(eventIds, for: LogKeys.eventId(id)) else { return nil }
        guard let record = try txn.value(events, for: position) else {
            throw EventRecordCodec.CorruptRecord(reason: "event id index names a missing event")
        }
        let (stream, version) = try EventRecordCodec.streamAndVersion(record)
        return CommittedEvent(
            position: LogKeys.decodePosition(position), streamId: stream, streamVersion: version, eventId: id)
    }
}
