import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import PostgresEventLog

/// A statement sent on a connection the server has just closed must fail, not wait forever: the log's appends
/// and reads are made of such statements, and one that never answers holds its connection and the log's close.
@Suite struct ClosedConnectionGuardTests {
    @Test(.timeLimit(.minutes(1))) func aStatementOnAConnectionTheServerClosedFailsAtOnce() async throws {
        var logger = Logger(label: "test.closed-connection")
        logger.logLevel = .critical
        let url = try await PostgresTestServer.shared.serverURL()
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: .disable)
        let victim = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let killer = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        // The victim is in the middle of a transaction when the server ends it, as in a restart.
        _ = try await victim.queryAll("BEGIN", logger: logger)
        let pid = try await victim.queryAll("SELECT pg_backend_pid()", logger: logger)[0].decode(Int32.self)
        _ = try await killer.queryAll("SELECT pg_terminate_backend(\(pid))", logger: logger)
        try await victim.closeFuture.get()

        let error = await #expect(throws: (any Error).self) {
            try await victim.queryAll("SELECT 1", logger: logger)
        }
        #expect(error.map(PostgresFailure.isUnreachable) == true, "\(String(describing: error))")
        try await killer.close()
    }
}
