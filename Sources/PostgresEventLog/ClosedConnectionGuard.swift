import Logging
import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Runs `query` to its end and answers all its rows; fails at once when the connection has already closed.
    ///
    /// postgres-nio 1.x never answers a query written to a connection that has just closed (the server restarted
    /// between two statements of a transaction, say): the write is dropped with the channel's handlers, and whoever
    /// awaits the answer waits forever, holding its connection lease and keeping the log from closing. Looking at
    /// the channel and writing the query in one step on the connection's event loop leaves no such gap: while the
    /// channel is open its handler takes the query, and fails it if the channel then closes.
    func queryAll(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await eventLoop.flatSubmit { () -> EventLoopFuture<PostgresQueryResult> in
            guard !self.isClosed else {
                return self.eventLoop.makeFailedFuture(PostgresConnectionClosed())
            }
            return self.query(query, logger: logger)
        }.get().rows
    }
}

extension PostgresClient {
    /// Runs `query` on a pooled connection; see `PostgresConnection.queryAll`.
    func queryAll(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await withConnection { try await $0.queryAll(query, logger: logger) }
    }
}
