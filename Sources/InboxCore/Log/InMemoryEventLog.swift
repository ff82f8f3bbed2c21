import Foundation
import Synchronization

/// The event log in memory: for tests and for deciders' unit tests. Same rules as every backend.
public final class InMemoryEventLog: EventLog {
    /// A new identity per log: an in-memory log is a new log each time.
    public let identity = UUID()
    private struct Storage {
        var events: [RecordedEvent] = []
        var streams: [StreamID: [UInt64]] = [:]
        var eventIds: [UUID: UInt64] = [:]
        var blobs: [String: Data] = [:]

        func streamVersion(_ stream: StreamID) -> UInt64 { UInt64(streams[stream]?.count ?? 0) }

        func committedEvent(_ eventId: UUID) -> CommittedEvent? {
            guard let position = eventIds[eventId] else { return nil }
            let event = events[Int(position - 1)]
            return CommittedEvent(
                position: position, streamId: event.streamId, streamVersion: event.streamVersion, eventId: eventId)
        }
    }

    private let storage = Mutex(Storage())
    private let notifier = CommitNotifier(head: 0)
    private let now: @Sendable () -> Date

    /// An empty log; `now` stamps `recordedAt` (inject a clock to make tests deterministic).
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    public func append(_ batch: AppendBatch) async throws(EventLogError) -> AppendResult {
        let result: AppendResult = try storage.withLock { (storage) throws(EventLogError) -> AppendResult in
            let head = UInt64(storage.events.count)
            let plan = try AppendPlanner.plan(
                batch, head: head, now: now(), streamVersion: storage.streamVersion, committedEvent: storage.committedEvent)
            switch plan {
            case .alreadyAppended(let result):
                return result
            case .append(let records):
                for blob in batch.blobs { storage.blobs[blob.digest] = blob.bytes }
                for record in records {
                    storage.events.append(record)
                    storage.streams[record.streamId, default: []].append(record.position)
                    storage.eventIds[record.eventId] = record.position
                }
                return AppendResult(
                    events: records.map {
                        CommittedEvent(
                            position: $0.position, streamId: $0.streamId, streamVersion: $0.streamVersion,
                            eventId: $0.eventId)
                    },
                    deduplicated: false)
            }
        }
        if !result.deduplicated { notifier.publish(head: result.lastPosition) }
        return result
    }

    public func head() async throws(EventLogError) -> UInt64 {
        storage.withLock { UInt64($0.events.count) }
    }

    public func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent] {
        storage.withLock { storage in
            let start = Int(max(position, 1)) - 1
            guard start < storage.events.count, maxCount > 0 else { return [] }
            let end = start + min(maxCount, storage.events.count - start)
            return Array(storage.events[start..<end])
        }
    }

    public func readStream(
        _ stream: StreamID, from version: UInt64, maxCount: Int
    ) async throws(EventLogError) -> [RecordedEvent] {
        storage.withLock { storage in
            guard let positions = storage.streams[stream], maxCount > 0 else { return [] }
            let start = Int(max(version, 1)) - 1
            guard start < positions.count else { return [] }
            let end = start + min(maxCount, positions.count - start)
            return positions[start..<end].map { storage.events[Int($0 - 1)] }
        }
    }

    public func streamVersion(_ stream: StreamID) async throws(EventLogError) -> UInt64 {
        storage.withLock { $0.streamVersion(stream) }
    }

    public func blob(_ digest: String) async throws(EventLogError) -> Data? {
        storage.withLock { $0.blobs[digest] }
    }

    public func waitForCommit(after position: UInt64) async throws -> UInt64 {
        try await notifier.wait(after: position)
    }
}
