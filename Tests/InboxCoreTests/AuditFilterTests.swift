import Foundation
import InboxCore
import Testing

@Suite struct AuditFilterTests {
    let at = Date(timeIntervalSince1970: 1_780_000_000)

    func event(_ stream: String, _ type: String, actor: String = "ana", payload: String = "{}", at offset: TimeInterval = 0) -> RecordedEvent {
        RecordedEvent(
            position: 1, streamId: StreamID(stream)!, streamVersion: 1, eventId: UUID(), type: type,
            recordedAt: at.addingTimeInterval(offset), actor: ActorRef(kind: .user, id: actor), payload: Data(payload.utf8))
    }

    @Test func everyConditionGivenMustHold() {
        let reply = event("conversation-c1", "conversation.reply_posted.v1")
        #expect(AuditFilter().matches(reply))
        #expect(AuditFilter(actorId: "ana", conversationId: "c1", types: ["conversation.reply_posted.v1"], from: at, to: at + 1).matches(reply))
        #expect(!AuditFilter(actorId: "ben").matches(reply))
        #expect(!AuditFilter(types: ["conversation.closed.v1"]).matches(reply))
        #expect(!AuditFilter(from: at + 1).matches(reply))
        #expect(!AuditFilter(to: at).matches(reply), "'to' is exclusive")
        #expect(!AuditFilter(conversationId: "c2").matches(reply))
    }

    @Test func eventsOnOtherStreamsBelongToTheConversationTheirPayloadNames() {
        let routed = event("routing-i1", "routing.assigned.v1", payload: #"{"inboxId":"i1","conversationId":"c1","userId":"u"}"#)
        #expect(AuditFilter(conversationId: "c1").matches(routed))
        // Mentioning the id elsewhere in the payload is not belonging to it.
        let comment = event("conversation-c9", "conversation.comment_added.v1", payload: #"{"conversationId":"c9","text":"see c1"}"#)
        #expect(!AuditFilter(conversationId: "c1").matches(comment))
    }
}
