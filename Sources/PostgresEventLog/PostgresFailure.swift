import InboxCore
import PostgresNIO

/// Turns what postgres-nio throws into the log's `EventLogError`, with a message a person can act on.
/// postgres-nio's own descriptions are deliberately generic (they may hide sensitive data), so the server's
/// message, the SQLSTATE and the underlying socket error are picked out here.
enum PostgresFailure {
    static func eventLogError(_ error: any Error, during operation: String) -> EventLogError {
        if let error = error as? EventLogError { return error }
        return .storage("PostgreSQL \(operation) failed: \(describe(error))")
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
            // ConnectionPoolError and NIO's socket errors describe themselves well enough.
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
