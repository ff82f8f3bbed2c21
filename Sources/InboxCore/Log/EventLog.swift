import Foundation

/// Reads the log. Projections and queries hold only this seam.
public protocol EventLogReader: Sendable {
    /// Names this log, made when it was created and kept with it: read models remember which log they were built
    /// from, so views from another log (another database, a log started afresh) are rebuilt, not served.
    var identity: UUID { get }
    /// The position of the last committed event (0 for an empty log).
    func head() async throws(EventLogError) -> UInt64
    /// Up to `maxCount` events from global position `position` (inclusive) on, in log order.
    func read(from position: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent]
    /// Up to `maxCount` events of `stream` from version `version` (inclusive) on.
    func readStream(_ stream: StreamID, from version: UInt64, maxCount: Int) async throws(EventLogError) -> [RecordedEvent]
    /// How many events `stream` holds (0 when it does not exist).
    func streamVersion(_ stream: StreamID) async throws(EventLogError) -> UInt64
    /// The bytes of a blob appended with some batch, by its digest; nil when no batch stored it.
    func blob(_ digest: String) async throws(EventLogError) -> Data?
    /// Returns the head once it is past `position`, right away when it already is. Waits on commits, never polls.
    /// Throws `CancellationError` when the task is cancelled and `EventLogError.closed` when the log closes.
    func waitForCommit(after position: UInt64) async throws -> UInt64
}

/// Appends to the log.
public protocol EventLogWriter: Sendable {
    /// Appends `batch` atomically and returns once it is durable. A refused batch appends nothing.
    func append(_ batch: AppendBatch) async throws(EventLogError) -> AppendResult
}

/// The append-only event log: one seam to read, one to write.
public protocol EventLog: EventLogReader, EventLogWriter {}

extension EventLogReader {
    /// Every event from `position` (inclusive) on: first those already committed, then each new one as it is
    /// committed, in position order without gaps. Ends when the task is cancelled or the log closes.
    public func subscribe(from position: UInt64 = 1, batchSize: Int = 512) -> EventSubscription {
        EventSubscription(reader: self, from: max(position, 1), batchSize: batchSize)
    }

    /// The whole of `stream` (for loading a decider's state).
    public func readStream(_ stream: StreamID) async throws(EventLogError) -> [RecordedEvent] {
        try await readStream(stream, from: 1, maxCount: .max)
    }
}

/// Catch-up then live delivery of the log, as an async sequence.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let reader: any EventLogReader
    let from: UInt64
    let batchSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(reader: reader, next: from, batchSize: batchSize)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: any EventLogReader
        var next: UInt64
        let batchSize: Int
        var buffer: [RecordedEvent] = []
        var index = 0

        public mutating func next() async throws -> RecordedEvent? {
            while index == buffer.count {
                if Task.isCancelled { return nil }
                buffer = try await reader.read(from: next, maxCount: batchSize)
                index = 0
                if buffer.isEmpty {
                    do {
                        _ = try await reader.waitForCommit(after: next - 1)
                    } catch is CancellationError {
                        return nil
                    } catch let error as EventLogError where error == .closed {
                        return nil
                    }
                }
            }
            let event = buffer[index]
            index += 1
            next = event.position + 1
            return event
        }
    }
}
