import Foundation
import InboxCore
import LMDB

/// The read models the API serves, in their own LMDB environment beside the log. They are rebuilt from the
/// log whenever needed, so commits need not be fsynced: LMDB keeps each commit atomic, and a checkpoint
/// always lands in the same transaction as the rows it covers.
public final class ReadModels: Sendable {
    public let environment: Environment
    public let directory: DirectoryProjection
    public let conversations: ConversationsProjection
    public let notifications: NotificationsProjection
    public let analytics: AnalyticsProjection

    /// Opens (creating when absent) the read models in directory `path`.
    public init(path: String) throws {
        var configuration = Environment.Configuration()
        configuration.durable = false
        configuration.maxDatabases = 64
        environment = try Environment(path: path, configuration: configuration)
        directory = try DirectoryProjection(environment: environment)
        conversations = try ConversationsProjection(environment: environment)
        notifications = try NotificationsProjection(environment: environment)
        analytics = try AnalyticsProjection(environment: environment)
    }

    /// Every projection, for the runner.
    public var projections: [any Projection] { [directory, conversations, notifications, analytics] }

    /// Runs `body` in one consistent snapshot of every read model.
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        try environment.read(body)
    }

    public func close() {
        environment.close()
    }
}
