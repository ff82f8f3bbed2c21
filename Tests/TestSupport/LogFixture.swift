import EventLog
import Foundation
import InboxCore
import Logging
import PostgresEventLog

/// The log backends every contract test runs against.
public enum LogKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case lmdb
    /// A database of its own on the test PostgreSQL server (see `PostgresTestServer`).
    case postgres

    public var description: String { rawValue }
}

/// A log of one kind in a scratch place, that can be closed and opened again on the same data.
public final class LogFixture: @unchecked Sendable {  // Used by one test at a time; its state changes only in open/close.
    public let kind: LogKind
    public let directory: URL
    private var current: (any EventLog)?
    /// More logs on the same PostgreSQL database, as other nodes would open them.
    private var others: [PostgresEventLog] = []
    private var postgresDatabase: PostgresURL?

    public init(_ kind: LogKind) {
        self.kind = kind
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-tests")
            .appendingPathComponent("\(kind)-\(UUID().uuidString)")
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The open log (opening it the first time).
    public func log() async throws -> any EventLog {
        if let current { return current }
        let log: any EventLog
        switch kind {
        case .memory: log = InMemoryEventLog()
        case .lmdb: log = try LMDBEventLog(path: directory.path)
        case .postgres: log = try await openPostgresLog()
        }
        current = log
        return log
    }

    /// Another log on the same PostgreSQL database, as a second node would open it; closed with the fixture.
    public func openAnotherNode() async throws -> PostgresEventLog {
        precondition(kind == .postgres, "only the PostgreSQL log has other nodes")
        let log = try await openPostgresLog()
        others.append(log)
        return log
    }

    /// The URL of this fixture's PostgreSQL database (creating it the first time).
    public func postgresURL() async throws -> PostgresURL {
        if let postgresDatabase { return postgresDatabase }
        let created = try await PostgresTestServer.shared.createDatabase()
        postgresDatabase = created
        return created
    }

    /// Closes the log and opens it again on the same data (the in-memory log has nothing to reopen: it stays).
    public func reopen() async throws -> any EventLog {
        guard kind != .memory else { return try await log() }
        await closeLogs()
        return try await log()
    }

    /// Closes the log, letting queued appends finish, and drops the PostgreSQL database.
    public func close() async {
        await closeLogs()
        if let postgresDatabase {
            try? await PostgresTestServer.shared.dropDatabase(postgresDatabase)
            self.postgresDatabase = nil
        }
    }

    private func closeLogs() async {
        if let lmdb = current as? LMDBEventLog { await lmdb.close() }
        if let postgres = current as? PostgresEventLog { await postgres.close() }
        for other in others { await other.close() }
        others = []
        if kind != .memory { current = nil }
    }

    private func openPostgresLog() async throws -> PostgresEventLog {
        var configuration = PostgresEventLog.Configuration()
        // Many tests run at once against one server: keep each one's share of its connections small.
        configuration.maximumConnections = 6
        var logger = Logger(label: "switchboard.tests.eventlog")
        logger.logLevel = .error
        let log = try await PostgresEventLog.open(
            url: try await postgresURL().urlString, logger: logger, configuration: configuration)
        // The fixture hands the log out open, so its background work runs beside the test until `close()`.
        Task { await log.run() }
        return log
    }
}

/// A test event with a small JSON payload.
public func testEvent(
    _ stream: String, type: String = "test.happened.v1", id: UUID = EventIDs.make(),
    actor: ActorRef = ActorRef(kind: .user, id: "u1"), payload: [String: String] = [:]
) -> ProposedEvent {
    let data = try! JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
    return ProposedEvent(streamId: StreamID(stream)!, eventId: id, type: type, actor: actor, payload: data)
}
