import InboxCore
import NIOCore
import NIOPosix
import PostgresNIO

/// Turns what postgres-nio throws into the log's `EventLogError`, with a message a person can act on.
/// postgres-nio's own descriptions are deliberately generic (they may hide sensitive data), so the server's
/// message, the SQLSTATE and the underlying socket error are picked out here.
enum PostgresFailure {
    static func eventLogError(_ error: any Error, during operation: String) -> EventLogError {
        if let error = error as? EventLogError { return error }
        if isUnreachable(error) {
            return .unavailable("PostgreSQL \(operation) failed: \(describe(error)); nothing was written, or an append may be retried with the same event ids")
        }
        return .storage("PostgreSQL \(operation) failed: \(describe(error))")
    }

    /// Whether the database could not be reached or went away (restarting, shutting down, out of connections,
    /// the network), as opposed to refusing what was asked: the first is worth retrying later.
    static func isUnreachable(_ error: any Error) -> Bool {
        switch error {
        case let error as PostgresTransactionError:
            return (error.beginError ?? error.closureError ?? error.commitError).map(isUnreachable) ?? false
        case let error as PSQLError:
            if let sqlState = error.serverInfo?[.sqlState] {
                // 08: connection exception; 53: insufficient resources; 57P: shutting down or starting up.
                return sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57P")
            }
            // queryCancelled: a connection request abandoned at the deadline.
            return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .queryCancelled]
                .contains(error.code)
        case is PostgresDeadlineExceeded, is PostgresConnectionClosed, is IOError, is ChannelError, is NIOConnectionError:
            return true
        default:
            // The pool's own error (its circuit breaker: no connection for a long while) comes from a module
            // postgres-nio does not publish.
            return String(reflecting: type(of: error)).hasSuffix(".ConnectionPoolError")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PostgresTransactionError:
            if let inner = error.beginError ?? error.closureError ?? error.commitError {
                return describe(inner)
            }
            return "transaction failed"
        case let error as PSQLError:
            if let serverInfo = error.serverInfo, let message = serverInfo[.message] {
                return "\(message) (SQLSTATE \(serverInfo[.sqlState] ?? "?"))"
            }
            if let underlying = error.underlying {
                return "\(error.code): \(describe(underlying))"
            }
            return "\(error.code)"
        default:
            // The log's own errors, ConnectionPoolError and NIO's socket errors describe themselves well enough.
            return String(describing: error)
        }
    }

    /// Whether the server refused a statement for a reason that retrying the same batch alone could avoid.
    static func isServerError(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError {
            return (error.beginError ?? error.closureError ?? error.commitError).map(isServerError) ?? false
        }
        return (error as? PSQLError)?.serverInfo != nil
    }
}

/// PostgreSQL did not answer in time: the operation was abandoned (its connection closed, so a transaction in
/// flight rolls back unless its commit had already reached the server).
struct PostgresDeadlineExceeded: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "no answer within \(timeout)" }
}

/// The connection had closed (the server went away) before the statement could be sent.
struct PostgresConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL closed" }
}
