import Foundation
import InboxCore
import Logging
import NIOCore
import NIOFoundationCompat
import PostgresNIO

/// The SQL that moves events and blobs between `RecordedEvent`s and the `events` and `blobs` tables.
enum EventRows {
    /// The columns every read selects, in the order `decode` takes them. `recorded_at` comes back as whole
    /// milliseconds since 1970, turned into a `Date` exactly as the LMDB log does, so both logs answer equal dates.
    static let columns = """
        position, stream_id, stream_version, event_id, type, actor_kind, actor_id, correlation_id, causation_id, \
        (extract(epoch FROM recorded_at) * 1000)::bigint, payload
        """

    static func decode(_ rows: [PostgresRow]) throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for row in rows {
            let (position, stream, version, eventId, type, actorKind, actorId, correlation, causation, millis, payload) =
                try row.decode(
                    (Int64, String, Int64, UUID, String, String, String, UUID?, UUID?, Int64, ByteBuffer).self)
            guard let streamId = StreamID(stream), let kind = ActorRef.Kind(rawValue: actorKind) else {
                throw EventLogError.storage("the events table holds an invalid row at position \(position)")
            }
            events.append(
                RecordedEvent(
                    position: UInt64(position), streamId: streamId, streamVersion: UInt64(version), eventId: eventId,
                    type: type, recordedAt: Date(timeIntervalSince1970: Double(millis) / 1000),
                    actor: ActorRef(kind: kind, id: actorId), correlationId: correlation, causationId: causation,
                    payload: Data(buffer: payload)))
        }
        return events
    }

    /// Inserts `records` with one statement (one array parameter per column, unnested server-side) that also
    /// notifies `channel` of the new head: delivered to listeners when the transaction commits.
    static func insert(
        _ records: [RecordedEvent], notifying channel: String, of head: UInt64, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let positions = records.map { Int64($0.position) }
        let streams = records.map(\.streamId.rawValue)
        let versions = records.map { Int64($0.streamVersion) }
        let eventIds = records.map(\.eventId)
        let types = records.map(\.type)
        let actorKinds = records.map(\.actor.kind.rawValue)
        let actorIds = records.map(\.actor.id)
        // postgres-nio has no arrays of optionals: an absent id travels as "" and becomes NULL.
        let correlations = records.map { $0.correlationId?.uuidString ?? "" }
        let causations = records.map { $0.causationId?.uuidString ?? "" }
        // Rounded as the LMDB record codec rounds, so a date reads back the same from either log.
        let millis = records.map { Int64(($0.recordedAt.timeIntervalSince1970 * 1000).rounded()) }
        let payloads = records.map { ByteBuffer(data: $0.payload) }
        let newHead = String(head)
        _ = try await connection.queryAll(
            """
            WITH inserted AS (
            INSERT INTO events (
                position, stream_id, stream_version, event_id, type, actor_kind, actor_id, correlation_id,
                causation_id, recorded_at, payload, payload_json)
            SELECT e.position, e.stream_id, e.stream_version, e.event_id, e.type, e.actor_kind, e.actor_id,
                NULLIF(e.correlation_id, '')::uuid, NULLIF(e.causation_id, '')::uuid,
                timestamptz 'epoch' + e.millis * interval '1 millisecond', e.payload,
                convert_from(e.payload, 'UTF8')::jsonb
            FROM unnest(
                \(positions)::bigint[], \(streams)::text[], \(versions)::bigint[], \(eventIds)::uuid[],
                \(types)::text[], \(actorKinds)::text[], \(actorIds)::text[], \(correlations)::text[],
                \(causations)::text[], \(millis)::bigint[], \(payloads)::bytea[]
            ) AS e(position, stream_id, stream_version, event_id, type, actor_kind, actor_id, correlation_id,
                causation_id, millis, payload)
            RETURNING 1)
            SELECT pg_notify(\(channel), \(newHead)) FROM (SELECT count(*) FROM inserted) AS done
            """,
            logger: logger)
    }

    /// Stores `blobs`; content addressing makes a digest already there a no-op.
    static func insert(_ blobs: [Blob], on connection: PostgresConnection, logger: Logger) async throws {
        var seen = Set<String>()
        let unique = blobs.filter { seen.insert($0.digest).inserted }
        guard !unique.isEmpty else { return }
        let digests = unique.map(\.digest)
        let bytes = unique.map { ByteBuffer(data: $0.bytes) }
        _ = try await connection.queryAll(
            """
            INSERT INTO blobs (digest, bytes) SELECT * FROM unnest(\(digests)::text[], \(bytes)::bytea[])
            ON CONFLICT (digest) DO NOTHING
            """,
            logger: logger)
    }
}
