import Foundation

/// The envelope as JSON (`Schemas/envelope.schema.json`): what the integration feed and webhooks deliver.
public struct EnvelopeJSON: Codable, Sendable, Equatable {
    public var position: UInt64
    public var streamId: String
    public var streamVersion: UInt64
    public var eventId: String
    public var type: String
    /// RFC 3339 UTC with milliseconds.
    public var recordedAt: String
    public var actor: ActorRef
    public var correlationId: String?
    public var causationId: String?
    public var payload: JSONValue

    public init(_ event: RecordedEvent) throws {
        position = event.position
        streamId = event.streamId.rawValue
        streamVersion = event.streamVersion
        eventId = event.eventId.uuidString.lowercased()
        type = event.type
        recordedAt = Timestamps.format(event.recordedAt)
        actor = event.actor
        correlationId = event.correlationId?.uuidString.lowercased()
        causationId = event.causationId?.uuidString.lowercased()
        payload = try JSONDecoder().decode(JSONValue.self, from: event.payload)
    }

    private enum CodingKeys: String, CodingKey {
        case position, streamId, streamVersion, eventId, type, recordedAt, actor, correlationId, causationId, payload
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(streamId, forKey: .streamId)
        try container.encode(streamVersion, forKey: .streamVersion)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(type, forKey: .type)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(actor, forKey: .actor)
        // API.md: absent ids are null, not missing.
        try container.encode(correlationId, forKey: .correlationId)
        try container.encode(causationId, forKey: .causationId)
        try container.encode(payload, forKey: .payload)
    }
}
