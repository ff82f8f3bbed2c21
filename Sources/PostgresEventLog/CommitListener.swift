import Foundation
import InboxCore
import Logging
import PostgresNIO

/// Keeps the log's `CommitNotifier` up to date with commits made by any node: LISTENs on a dedicated connection,
/// reads the head again after each wake-up and each reconnect, and polls the head now and then as a safety net,
/// so a lost notification (a dropped connection) delays a waiter but never strands it.
struct CommitListener: Sendable {
    let configuration: PostgresConnection.Configuration
    let notifier: CommitNotifier
    let readHead: @Sendable () async throws -> UInt64
    let pollInterval: Duration
    let reconnectDelay: Duration
    let logger: Logger

    /// Listens and polls until the task is cancelled. `firstConnection`, when given, is used before connecting anew.
    func run(firstConnection: PostgresConnection?) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await pollUntilCancelled() }
            await listenUntilCancelled(firstConnection: firstConnection)
        }
    }

    private func listenUntilCancelled(firstConnection: PostgresConnection?) async {
        var next = firstConnection
        var connectionNumber = 1000
        while !Task.isCancelled {
            let connection: PostgresConnection
            do {
                if let reused = next {
                    connection = reused
                    next = nil
                } else {
                    connectionNumber += 1
                    connection = try await PostgresConnection.connect(
                        configuration: configuration, id: connectionNumber, logger: logger)
                    logger.info("Event log listener reconnected")
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning(
                    "Event log listener cannot connect; retrying",
                    metadata: ["error": "\(PostgresFailure.describe(error))"])
                try? await Task.sleep(for: reconnectDelay)
                continue
            }
            do {
                try await connection.listen(on: PostgresGroupCommitWriter.notificationChannel) { notifications in
                    // Commits made while no one listened are found here.
                    await catchUp()
                    for try await notification in notifications {
                        if let head = UInt64(notification.payload) { notifier.publish(head: head) }
                        await catchUp()
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning(
                        "Event log listener lost its connection; reconnecting",
                        metadata: ["error": "\(PostgresFailure.describe(error))"])
                }
            }
            try? await connection.close()
            if !Task.isCancelled { try? await Task.sleep(for: reconnectDelay) }
        }
    }

    private func pollUntilCancelled() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
            await catchUp()
        }
    }

    private func catchUp() async {
        do {
            notifier.publish(head: try await readHead())
        } catch {
            logger.debug("Event log head read failed", metadata: ["error": "\(PostgresFailure.describe(error))"])
        }
    }
}
