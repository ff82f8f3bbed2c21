import Foundation

/// An event as the log stores it: the envelope of DESIGN.md around a JSON payload.
public struct RecordedEvent: Sendable, Equatable {
    /// Global, gapless, from 1.
    public var position: UInt64
    public var streamId: StreamID
    /// The event's number inside its stream, from 1: after it the stream's version is this number.
    public var streamVersion: UInt64
    /// Unique forever; appending an event id again is a no-op.
    public var eventId: UUID
    /// A stable versioned tag such as `conversation.message_received.v1`.
    public var type: String
    /// When the log committed it (millisecond precision).
    public var recordedAt: Date
    public var actor: ActorRef
    public var correlationId: UUID?
    public var causationId: UUID?
    /// The event's data as JSON.
    public var payload: Data

    public init(
        position: UInt64, streamId: StreamID, streamVersion: UInt64, eventId: UUID, type: String, recordedAt: Date,
        actor: ActorRef, correlationId: UUID? = nil, causationId: UUID? = nil, payload: Data
    ) {
        self.position = position
        self.streamId = streamId
        self.streamVersion = streamVersion
        self.eventId = eventId
        self.type = type
        self.recordedAt = recordedAt
        self.actor = actor
        self.correlationId = correlationId
        self.causationId = causationId
        self.payload = payload
    }
}

/// An event on its way into the log: the envelope less what the log assigns (position, version, time).
public struct ProposedEvent: Sendable, Equatable {
    /// The longest type tag accepted, in UTF-8 bytes.
    public static let maxTypeLength = 255

    public var streamId: StreamID
    public var eventId: UUID
    public var type: String
    public var actor: ActorRef
    public var correlationId: UUID?
    public var causationId: UUID?
    public var payload: Data

    public init(
        streamId: StreamID, eventId: UUID = EventIDs.make(), type: String, actor: ActorRef,
        correlationId: UUID? = nil, causationId: UUID? = nil, payload: Data
    ) {
        self.streamId = streamId
        self.eventId = eventId
        self.type = type
        self.actor = actor
        self.correlationId = correlationId
        self.causationId = causationId
        self.payload = payload
    }
}

/// Where an appended event landed.
public struct CommittedEvent: Sendable, Equatable {
    public var position: UInt64
    public var streamId: StreamID
    public var streamVersion: UInt64
    public var eventId: UUID

    public init(position: UInt64, streamId: StreamID, streamVersion: UInt64, eventId: UUID) {
        self.position = position
        self.streamId = streamId
        self.streamVersion = streamVersion
        self.eventId = eventId
    }
}
