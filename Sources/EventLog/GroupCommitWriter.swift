import Foundation
import InboxCore
import LMDB
import Logging

/// The one thread that writes the log. Callers queue appends; the thread takes everything queued, plans and
/// writes each append in one LMDB transaction, commits (fsync), then resumes every caller. A refused append
/// writes nothing and does not disturb the others in its group.
final class GroupCommitWriter: @unchecked Sendable {  // Mutable state is guarded by `condition`.
    typealias Outcome = Result<AppendResult, EventLogError>

    private struct Pending {
        let batch: AppendBatch
        let continuation: CheckedContinuation<Outcome, Never>
    }

    private let environment: Environment
    private let databases: LogDatabases
    private let notifier: CommitNotifier
    private let maxEventsPerCommit: Int
    private let now: @Sendable () -> Date
    private let logger: Logger

    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var closing = false
    private var finished = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var counters = LMDBEventLog.Statistics()
    /// Only the writer thread touches `head` once it runs.
    private var head: UInt64

    init(
        environment: Environment, databases: LogDatabases, head: UInt64, notifier: CommitNotifier,
        maxEventsPerCommit: Int, now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.environment = environment
        self.databases = databases
        self.head = head
        self.notifier = notifier
        self.maxEventsPerCommit = max(1, maxEventsPerCommit)
        self.now = now
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "switchboard.log-writer"
        thread.start()
    }

    var statistics: LMDBEventLog.Statistics {
        condition.withLock { counters }
    }

    func append(_ batch: AppendBatch) async -> Outcome {
        await withCheckedContinuation { continuation in
            let accepted = condition.withLock {
                guard !closing else { return false }
                queue.append(Pending(batch: batch, continuation: continuation))
                condition.signal()
                return true
            }
            if !accepted { continuation.resume(returning: .failure(.closed)) }
        }
    }

    /// Lets the queued appends commit, then stops the thread.
    func close() async {
        await withCheckedContinuation { continuation in
            let done = condition.withLock {
                closing = true
                condition.signal()
                if finished { return true }
                closeWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func run() {
        while let group = nextGroup() {
            commit(group)
        }
        let waiters = condition.withLock {
            finished = true
            return closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for work and takes what is queued, up to `maxEventsPerCommit` events; nil once closed and drained.
    private func nextGroup() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closing { condition.wait() }
        if queue.isEmpty { return nil }
        var events = 0
        var taken = 0
        while taken < queue.count && (taken == 0 || events + queue[taken].batch.events.count <= maxEventsPerCommit) {
            events += queue[taken].batch.events.count
            taken += 1
        }
        let group = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        return group
    }

    private func commit(_ group: [Pending]) {
        let now = self.now()
        var outcomes: [Outcome] = []
        var newHead = head
        var written = 0
        do {
            try environment.write { txn in
                // The body may run again after the map grows: start from scratch each time.
                outcomes = []
                newHead = head
                written = 0
                for pending in group {
                    let outcome = try write(pending.batch, head: newHead, now: now, txn: txn)
                    if case .success(let result) = outcome, !result.deduplicated {
                        newHead = result.lastPosition
                        written += result.events.count
                    }
                    outcomes.append(outcome)
                }
            }
        } catch {
            logger.error("Event log commit failed", metadata: ["error": "\(error)", "eventlog.appends": "\(group.count)"])
            outcomes = Array(repeating: .failure(.storage(String(describing: error))), count: group.count)
            newHead = head
            written = 0
        }
        head = newHead
        condition.withLock {
            counters.commits += 1
            counters.appends += group.count
            counters.events += written
        }
        notifier.publish(head: newHead)
        for (pending, outcome) in zip(group, outcomes) {
            pending.continuation.resume(returning: outcome)
        }
    }

    /// Plans one append against the transaction and writes its records. A refusal is an outcome; only storage
    /// failures throw (and fail the whole group).
    private func write(
        _ batch: AppendBatch, head: UInt64, now: Date, txn: borrowing WriteTransaction
    ) throws -> Outcome {
        var lookupFailure: (any Error)?
        let plan: AppendPlanner.Plan
        do {
            plan = try AppendPlanner.plan(
                batch, head: head, now: now,
                streamVersion: { stream throws(EventLogError) in
                    do { return try databases.streamVersion(stream, in: txn) } catch {
                        lookupFailure = error
                        throw .storage(String(describing: error))
                    }
                },
                committedEvent: { id throws(EventLogError) in
                    do { return try databases.committedEvent(id, in: txn) } catch {
                        lookupFailure = error
                        throw .storage(String(describing: error))
                    }
                })
        } catch {
            if let lookupFailure { throw lookupFailure }
            return .failure(error)
        }
        switch plan {
        case .alreadyAppended(let result):
            return .success(result)
        case .append(let records):
            for blob in batch.blobs {
                do {
                    try LogKeys.blob(blob.digest).withUnsafeBytes { key in
                        try txn.put(databases.blobs, key: key, reserving: blob.bytes.count, flags: .noOverwrite) { buffer in
                            blob.bytes.copyBytes(to: buffer)
                        }
                    }
                } catch let error as LMDBError where error.isKeyExists {
                    // Content-addressed: the same bytes are there already.
                }
            }
            var committed: [CommittedEvent] = []
            committed.reserveCapacity(records.count)
            for record in records {
                try LogKeys.position(record.position).withUnsafeBytes { key in
                    try txn.put(
                        databases.events, key: key, reserving: EventRecordCodec.encodedSize(record), flags: .append
                    ) { buffer in EventRecordCodec.encode(record, into: buffer) }
                }
                let position = LogKeys.position(record.position)
                try txn.put(databases.streams, key: LogKeys.stream(record.streamId, version: record.streamVersion), value: position)
                try txn.put(databases.eventIds, key: LogKeys.eventId(record.eventId), value: position, flags: .noOverwrite)
                committed.append(
                    CommittedEvent(
                        position: record.position, streamId: record.streamId, streamVersion: record.streamVersion,
                        eventId: record.eventId))
            }
            return .success(AppendResult(events: committed, deduplicated: false))
        }
    }
}
