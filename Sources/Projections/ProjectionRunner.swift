import Foundation
import InboxCore
import LMDB
import Logging
import ServiceLifecycle
import Synchronization

/// Follows the log and keeps every projection up to date, one LMDB write transaction per batch of events with
/// each projection's checkpoint inside it. Start-up reads checkpoints; it replays only what they have not seen,
/// and rebuilds a projection whose version changed.
public final class ProjectionRunner: Service {
    /// How the runner batches work.
    public struct Configuration: Sendable {
        /// The most events read and folded in one transaction.
        public var batchSize = 1024
        /// How long the runner waits before reading again when the log is unavailable.
        public var retryDelay: Duration = .milliseconds(500)
        public init() {}
    }

    private let log: any EventLogReader
    private let environment: Environment
    private let checkpoints: Database
    private let projections: [any Projection]
    private let configuration: Configuration
    private let logger: Logger
    /// The position every projection has folded: what read-your-writes waits on.
    private let projected: CommitNotifier
    private let state: Mutex<[String: Checkpoint]>

    /// Opens the checkpoints in `environment` and rebuilds (clears) projections whose version changed, and every
    /// projection when the read models were built from another log than `log`.
    public init(
        log: any EventLogReader, environment: Environment, projections: [any Projection],
        configuration: Configuration = .init(), logger: Logger
    ) throws {
        precondition(Set(projections.map(\.name)).count == projections.count, "projection names must be unique")
        precondition(!projections.contains { $0.name.hasPrefix("@") }, "projection names do not start with @")
        self.log = log
        self.environment = environment
        self.projections = projections
        self.configuration = configuration
        self.logger = logger
        let checkpoints = try environment.openDatabase("checkpoints")
        self.checkpoints = checkpoints
        var loaded: [String: Checkpoint] = [:]
        try environment.write { txn in
            loaded = [:]
            let builtFrom = try txn.value(checkpoints, for: Self.logIdentityKey).flatMap {
                UUID(uuidString: String(decoding: $0, as: UTF8.self))
            }
            // Views from another log (another database, a log started afresh) hold what that log said: start over.
            let otherLog = builtFrom.map { $0 != log.identity } ?? false
            if otherLog {
                logger.notice(
                    "Rebuilding every projection: the read models were built from another log",
                    metadata: ["eventlog.identity": "\(log.identity)", "projection.built_from": "\(builtFrom!)"])
            }
            if builtFrom != log.identity {
                try txn.put(checkpoints, key: Self.logIdentityKey, value: Array(log.identity.uuidString.utf8))
            }
            for projection in projections {
                let stored = try txn.value(checkpoints, for: Array(projection.name.utf8)).flatMap(Checkpoint.init(bytes:))
                if let stored, stored.version == projection.version, !otherLog {
                    loaded[projection.name] = stored
                    continue
                }
                if stored != nil {
                    if !otherLog {
                        logger.notice(
                            "Rebuilding projection: its version changed",
                            metadata: ["projection.name": "\(projection.name)", "projection.version": "\(projection.version)"])
                    }
                    try projection.reset(in: txn)
                }
                let fresh = Checkpoint(version: projection.version, position: 0)
                try txn.put(checkpoints, key: Array(projection.name.utf8), value: fresh.bytes)
                loaded[projection.name] = fresh
            }
        }
        state = Mutex(loaded)
        projected = CommitNotifier(head: loaded.values.map(\.position).min() ?? 0)
    }

    /// Where the checkpoints keep the identity of the log the read models were built from (no projection name
    /// starts with "@").
    private static let logIdentityKey = Array("@log".utf8)

    /// Each projection's checkpoint as it stands.
    public var checkpointsByName: [String: Checkpoint] { state.withLock { $0 } }

    /// The position every projection has folded so far.
    public var position: UInt64 { projected.head }

    /// Returns once every projection has folded the log up to `position` (read-your-writes).
    public func waitUntilProjected(_ position: UInt64) async throws {
        guard position > 0 else { return }
        _ = try await projected.wait(after: position - 1)
    }

    /// Follows the log until cancelled or shut down gracefully.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.follow()
            }
        } catch {
            // Read-your-writes waits on this runner: say why the read models stopped following the log.
            logger.critical("Projections stopped following the log", metadata: ["error": "\(error)", "projection.position": "\(position)"])
            throw error
        }
    }

    private func follow() async throws {
        var next = projected.head + 1
        while !Task.isCancelled {
            guard let events = try await nextBatch(from: next) else { continue }
            guard let last = events.last else {
                do {
                    _ = try await log.waitForCommit(after: next - 1)
                } catch is CancellationError {
                    return
                } catch let error as EventLogError where error == .closed {
                    return
                }
                continue
            }
            try fold(events)
            next = last.position + 1
        }
    }

    /// The events from `position` on, or nil (after a pause) while the log is unavailable: a log on a database
    /// that is restarting, while the views keep serving what they hold.
    private func nextBatch(from position: UInt64) async throws -> [RecordedEvent]? {
        do {
            return try await log.read(from: position, maxCount: configuration.batchSize)
        } catch {
            guard let failure = error as? EventLogError, failure.isUnavailable else { throw error }
            logger.warning(
                "Event log unavailable; projections will retry",
                metadata: ["error": "\(failure)", "projection.position": "\(position - 1)"])
            try? await Task.sleep(for: configuration.retryDelay)
            return nil
        }
    }

    /// Folds the log up to `position` (the head when nil) and returns how many events were read: how a replay
    /// rebuilds read models without following the log.
    @discardableResult
    public func catchUp(through position: UInt64? = nil) async throws -> Int {
        var end = try await log.head()
        if let position { end = min(end, position) }
        var next = projected.head + 1
        var count = 0
        while next <= end {
            let events = try await log.read(from: next, maxCount: Int(min(UInt64(configuration.batchSize), end - next + 1)))
            guard let last = events.last else { break }
            try fold(events)
            count += events.count
            next = last.position + 1
        }
        return count
    }

    /// Applies a batch to every projection that has not seen it, with the new checkpoints, in one transaction.
    func fold(_ events: [RecordedEvent]) throws {
        guard let last = events.last?.position else { return }
        let before = state.withLock { $0 }
        try environment.write { txn in
            for projection in projections {
                let checkpoint = before[projection.name]!
                guard checkpoint.position < last else { continue }
                let wanted = { (event: RecordedEvent) in event.position > checkpoint.position && projection.handles(event.type) }
                // Copying a batch of events costs a retain per field: pass it whole when every event is wanted.
                try projection.apply(contentsOf: events.allSatisfy(wanted) ? events : events.filter(wanted), in: txn)
                let moved = Checkpoint(version: projection.version, position: last)
                try txn.put(checkpoints, key: Array(projection.name.utf8), value: moved.bytes)
            }
        }
        state.withLock { state in
            for projection in projections where state[projection.name]!.position < last {
                state[projection.name]!.position = last
            }
        }
        projected.publish(head: last)
    }
}
