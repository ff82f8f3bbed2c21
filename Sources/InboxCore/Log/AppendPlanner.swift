import Foundation

/// The checks and numbering every backend applies to an append, so they all agree on its rules.
public enum AppendPlanner {
    /// What to do with a batch.
    public enum Plan: Sendable, Equatable {
        /// Every event is in the log already: answer with where they are, write nothing.
        case alreadyAppended(AppendResult)
        /// Write these records, in order.
        case append([RecordedEvent])
    }

    /// Validates `batch` against the log's state and numbers its events from `head + 1`. The lookups see the
    /// committed log plus whatever the backend's current write has added: `streamVersion` answers how many
    /// events a stream holds (0 when absent), `committedEvent` where an event id landed.
    public static func plan(
        _ batch: AppendBatch, head: UInt64, now: Date,
        streamVersion: (StreamID) throws(EventLogError) -> UInt64,
        committedEvent: (UUID) throws(EventLogError) -> CommittedEvent?
    ) throws(EventLogError) -> Plan {
        try validateShape(batch)

        var known: [CommittedEvent] = []
        for event in batch.events {
            if let committed = try committedEvent(event.eventId) { known.append(committed) }
        }
        if known.count == batch.events.count {
            return .alreadyAppended(AppendResult(events: known, deduplicated: true))
        }
        if let reused = known.first { throw .eventIdReused(reused.eventId) }

        var versions: [StreamID: UInt64] = [:]
        for (stream, expected) in batch.expectations {
            let actual = try streamVersion(stream)
            guard expected.admits(actual) else {
                throw .wrongExpectedVersion(stream: stream, expected: expected, actual: actual)
            }
            versions[stream] = actual
        }

        let recordedAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        var records: [RecordedEvent] = []
        records.reserveCapacity(batch.events.count)
        var position = head
        for event in batch.events {
            let version: UInt64
            if let current = versions[event.streamId] {
                version = current + 1
            } else {
                version = try streamVersion(event.streamId) + 1
            }
            versions[event.streamId] = version
            position += 1
            records.append(
                RecordedEvent(
                    position: position, streamId: event.streamId, streamVersion: version, eventId: event.eventId,
                    type: event.type, recordedAt: recordedAt, actor: event.actor,
                    correlationId: event.correlationId, causationId: event.causationId, payload: event.payload))
        }
        return .append(records)
    }

    private static func validateShape(_ batch: AppendBatch) throws(EventLogError) {
        guard !batch.events.isEmpty else { throw .invalidBatch("an append needs at least one event") }
        var ids = Set<UUID>()
        for event in batch.events {
            guard ids.insert(event.eventId).inserted else {
                throw .invalidBatch("event id \(event.eventId) appears twice in one append")
            }
            let typeLength = event.type.utf8.count
            guard typeLength > 0, typeLength <= ProposedEvent.maxTypeLength else {
                throw .invalidBatch("event type must be 1 to \(ProposedEvent.maxTypeLength) bytes")
            }
            guard event.actor.id.utf8.count <= Int(UInt16.max) else {
                throw .invalidBatch("actor id is too long")
            }
        }
    }
}
