import Foundation
import InboxCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Writes the log for one process. Callers queue appends; `run()` takes everything queued and writes it in one
/// transaction that holds the database-wide append lock, so positions are assigned and committed in order across
/// every node. A refused append is an outcome of its own and does not disturb the others in its group; when the
/// database fails the group's transaction, each append is retried alone so one bad batch cannot fail the rest.
final class PostgresGroupCommitWriter: Sendable {
    typealias Outcome = Result<AppendResult, EventLogError>

    private struct Pending {
        let batch: AppendBatch
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var queue: [Pending] = []
        var closing = false
        var finished = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Any number, as long as it is the same on every node: it names the lock that orders appends.
    static let appendLockKey: Int64 = 0x5377_4C6F_6721  // "SwLog!"
    /// The channel `waitForCommit` listens on; the payload is the new head.
    static let notificationChannel = "switchboard_events"

    private let client: PostgresClient
    private let notifier: CommitNotifier
    private let operations: BoundedOperations
    private let maxEventsPerCommit: Int
    /// How long one group's transaction may take before its appends fail as unavailable.
    private let timeout: Duration
    private let logger: Logger
    private let state = Mutex(State())
    /// Rung when work is queued or the writer should stop; holds at most one ring.
    private let doorbell: AsyncStream<Void>
    private let ring: AsyncStream<Void>.Continuation

    init(
        client: PostgresClient, notifier: CommitNotifier, operations: BoundedOperations, maxEventsPerCommit: Int,
        timeout: Duration, logger: Logger
    ) {
        self.client = client
        self.operations = operations
        self.timeout = timeout
        self.notifier = notifier
        self.maxEventsPerCommit = max(1, maxEventsPerCommit)
        self.logger = logger
        (doorbell, ring) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func append(_ batch: AppendBatch) async -> Outcome {
        await withCheckedContinuation { continuation in
            let accepted = state.withLock { state in
                guard !state.closing else { return false }
                state.queue.append(Pending(batch: batch, continuation: continuation))
                return true
            }
            if accepted { ring.yield() } else { continuation.resume(returning: .failure(.closed)) }
        }
    }

    /// Lets the queued appends commit, then refuses new ones and returns once `run()` has stopped.
    func close() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                state.closing = true
                if state.finished { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            ring.finish()
            if done { continuation.resume() }
        }
    }

    /// Commits queued appends until closed (and drained) or cancelled; what is still queued then fails as closed.
    func run() async {
        for await _ in doorbell {
            while let group = nextGroup() { await commit(group) }
        }
        let (abandoned, waiters) = state.withLock { state in
            state.closing = true
            state.finished = true
            defer { state.queue = []; state.closeWaiters = [] }
            return (state.queue, state.closeWaiters)
        }
        for pending in abandoned { pending.continuation.resume(returning: .failure(.closed)) }
        for waiter in waiters { waiter.resume() }
    }

    /// Takes what is queued, up to `maxEventsPerCommit` events (always at least one append).
    private func nextGroup() -> [Pending]? {
        state.withLock { state in
            guard !state.queue.isEmpty else { return nil }
            var events = 0
            var taken = 0
            while taken < state.queue.count
                && (taken == 0 || events + state.queue[taken].batch.events.count <= maxEventsPerCommit)
            {
                events += state.queue[taken].batch.events.count
                taken += 1
            }
            let group = Array(state.queue.prefix(taken))
            state.queue.removeFirst(taken)
            return group
        }
    }

    private func commit(_ group: [Pending]) async {
        var outcomes: [Outcome]
        do {
            outcomes = try await writeInOneTransaction(group.map(\.batch))
        } catch where group.count > 1 && !PostgresFailure.isUnreachable(error) {
            logger.warning(
                "Event log group commit failed; retrying each append alone",
                metadata: ["error": "\(PostgresFailure.describe(error))", "eventlog.appends": "\(group.count)"])
            // Retrying is safe even when the failed commit did land: event ids make the retry answer the original.
            outcomes = []
            for pending in group {
                do {
                    outcomes += try await writeInOneTransaction([pending.batch])
                } catch {
                    outcomes.append(failure(error))
                }
            }
        } catch {
            // Out of reach: trying each append alone would only wait out the deadline once per append.
            outcomes = Array(repeating: failure(error), count: group.count)
        }
        let newHead = outcomes.compactMap { try? $0.get() }.filter { !$0.deduplicated }.map(\.lastPosition).max()
        if let newHead { notifier.publish(head: newHead) }
        for (pending, outcome) in zip(group, outcomes) {
            pending.continuation.resume(returning: outcome)
        }
    }

    private func failure(_ error: any Error) -> Outcome {
        logger.error("Event log append failed", metadata: ["error": "\(PostgresFailure.describe(error))"])
        return .failure(PostgresFailure.eventLogError(error, during: "append"))
    }

    /// Plans and writes `batches` in one transaction. Refusals are outcomes; only database failures throw.
    /// Bounded by `timeout`: past it the connection is closed, which rolls the transaction back unless its commit
    /// had already reached the server (the caller is told the database is unavailable either way; a retry with the
    /// same event ids is answered the original positions if it did land).
    private func writeInOneTransaction(_ batches: [AppendBatch]) async throws -> [Outcome] {
        let (client, logger) = (client, logger)
        return try await operations.perform(within: timeout) {
            try await client.withConnection { connection in
                try await withTaskCancellationHandler {
                    _ = try await connection.queryAll("BEGIN", logger: logger)
                    do {
                        let outcomes = try await Self.write(batches, on: connection, logger: logger)
                        _ = try await connection.queryAll("COMMIT", logger: logger)
                        return outcomes
                    } catch {
                        _ = try? await connection.queryAll("ROLLBACK", logger: logger)
                        throw error
                    }
                } onCancel: {
                    let closing: EventLoopFuture<Void> = connection.close()
                    _ = closing
                }
            }
        }
    }

    private static func write(_ batches: [AppendBatch], on connection: PostgresConnection, logger: Logger) async throws -> [Outcome] {
        // Held to commit: the next writer, on any node, reads the head only once this batch is visible.
        _ = try await connection.queryAll("SELECT pg_advisory_xact_lock(\(Self.appendLockKey))", logger: logger)
        var view = try await CommittedView.load(for: batches, on: connection, logger: logger)
        var outcomes: [Outcome] = []
        var records: [RecordedEvent] = []
        var blobs: [Blob] = []
        for batch in batches {
            do throws(EventLogError) {
                let plan = try AppendPlanner.plan(
                    batch, head: view.head, now: view.now,
                    streamVersion: { view.versions[$0] ?? 0 }, committedEvent: { view.committed[$0] })
                switch plan {
                case .alreadyAppended(let result):
                    outcomes.append(.success(result))
                case .append(let planned):
                    view.add(planned)
                    records += planned
                    blobs += batch.blobs
                    outcomes.append(.success(AppendResult(events: planned.map(CommittedEvent.init), deduplicated: false)))
                }
            } catch {
                outcomes.append(.failure(error))
            }
        }
        if !records.isEmpty {
            try await EventRows.insert(blobs, on: connection, logger: logger)
            // The notification goes with the insert (one round trip); listeners get it on commit, in commit order.
            try await EventRows.insert(records, notifying: Self.notificationChannel, of: view.head, on: connection, logger: logger)
        }
        return outcomes
    }
}

extension CommittedEvent {
    init(_ record: RecordedEvent) {
        self.init(
            position: record.position, streamId: record.streamId, streamVersion: record.streamVersion,
            eventId: record.eventId)
    }
}

/// What a group's planning needs from the committed log, read in a few queries under the append lock, plus
/// what the group's earlier batches add.
private struct CommittedView {
    var head: UInt64
    /// The server's clock, so events from every node are stamped by one clock.
    var now: Date
    var versions: [StreamID: UInt64] = [:]
    var committed: [UUID: CommittedEvent] = [:]

    /// One statement, so one round trip: the head and the server's clock, the versions of the batches' streams, and
    /// which of their event ids are already in the log.
    static func load(for batches: [AppendBatch], on connection: PostgresConnection, logger: Logger) async throws -> Self {
        let streams = Array(Set(batches.flatMap { $0.events.map(\.streamId) + $0.expectations.keys }).map(\.rawValue))
        let eventIds = batches.flatMap { $0.events.map(\.eventId) }
        let rows = try await connection.queryAll(
            """
            SELECT 'head', coalesce(max(position), 0)::bigint,
                (extract(epoch FROM clock_timestamp()) * 1000)::bigint, NULL::text, NULL::uuid
            FROM events
            UNION ALL
            SELECT 'stream', max(stream_version)::bigint, NULL::bigint, stream_id, NULL::uuid
            FROM events WHERE stream_id = ANY(\(streams)::text[]) GROUP BY stream_id
            UNION ALL
            SELECT 'event', position, stream_version, stream_id, event_id
            FROM events WHERE event_id = ANY(\(eventIds)::uuid[])
            """, logger: logger)
        var view: CommittedView?
        var versions: [StreamID: UInt64] = [:]
        var committed: [UUID: CommittedEvent] = [:]
        for row in rows {
            let (kind, number, other, stream, eventId) = try row.decode((String, Int64, Int64?, String?, UUID?).self)
            switch (kind, other, stream.flatMap(StreamID.init), eventId) {
            case ("head", let millis?, _, _):
                view = CommittedView(head: UInt64(number), now: Date(timeIntervalSince1970: Double(millis) / 1000))
            case ("stream", _, let stream?, _):
                versions[stream] = UInt64(number)
            case ("event", let version?, let stream?, let eventId?):
                committed[eventId] = CommittedEvent(
                    position: UInt64(number), streamId: stream, streamVersion: UInt64(version), eventId: eventId)
            default:
                continue
            }
        }
        guard var view else { throw EventLogError.storage("PostgreSQL returned no head") }
        view.versions = versions
        view.committed = committed
        return view
    }

    mutating func add(_ records: [RecordedEvent]) {
        for record in records {
            head = max(head, record.position)
            versions[record.streamId] = record.streamVersion
            committed[record.eventId] = CommittedEvent(record)
        }
    }
}
