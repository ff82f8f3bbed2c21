import Foundation

/// The events of one kind of stream, each with a stable versioned type tag (never a Swift case name).
public protocol EventFamily: Sendable, Equatable {
    associatedtype Tag: RawRepresentable, CaseIterable, Sendable where Tag.RawValue == String
    /// The event's tag: stored forever; a new shape gets a new tag (`.v2`) and `.v1` keeps decoding.
    var tag: Tag { get }
    /// The event's data as stored.
    var payload: Data { get }
    /// Decodes an event of this family; nil when `type` belongs to another family.
    init?(type: String, payload: Data) throws
}

extension EventFamily {
    /// Whether `type` is one of this family's tags (lets projections skip others without decoding).
    public static func owns(_ type: String) -> Bool { Tag(rawValue: type) != nil }

    /// The event ready to append to `stream`.
    public func proposed(
        to stream: StreamID, by actor: ActorRef, correlationId: UUID? = nil, causationId: UUID? = nil
    ) -> ProposedEvent {
        ProposedEvent(
            streamId: stream, type: tag.rawValue, actor: actor, correlationId: correlationId, causationId: causationId,
            payload: payload)
    }

    /// Decodes a recorded event of this family, nil for another family's.
    public init?(_ event: RecordedEvent) throws {
        try self.init(type: event.type, payload: event.payload)
    }
}
