import Foundation
import InboxCore

/// Events shaped like the ones the product writes: a message received on a conversation stream, with ids,
/// an actor and a JSON payload padded to a chosen size.
struct BenchSample: Sendable {
    let payload: Data

    init(payloadBytes: Int) {
        let base = #"{"conversationId":"0192f5d7c1e07a3b9d4e5f60718293a4","channelId":"email","from":"ada@example.com","subject":"Where is my order?","text":""#
        let tail = #""}"#
        let padding = max(0, payloadBytes - base.utf8.count - tail.utf8.count)
        payload = Data((base + String(repeating: "x", count: padding) + tail).utf8)
    }

    /// A proposed event opening a new conversation stream, named as the product names them (time-ordered ids).
    func proposed() -> ProposedEvent {
        ProposedEvent(
            streamId: ConversationEvent.stream(Identifiers.make()),
            type: "conversation.message_received.v1",
            actor: ActorRef(kind: .integration, id: "ch_0192f5d7c1e07a3b"),
            correlationId: EventIDs.make(),
            payload: payload)
    }

    /// The same event as the log stores it, for the raw LMDB runs.
    func recorded(position: UInt64) -> RecordedEvent {
        let event = proposed()
        return RecordedEvent(
            position: position, streamId: event.streamId, streamVersion: 1, eventId: event.eventId,
            type: event.type, recordedAt: Date(), actor: event.actor, correlationId: event.correlationId,
            payload: event.payload)
    }
}
