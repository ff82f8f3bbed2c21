import Foundation
import InboxCore
import Testing

@Suite struct NotificationEmailRulesTests {
    let start = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func anEmailGathersThenKeepsTheMinimumInterval() {
        let policy = NotificationEmailPolicy(gatherFor: .seconds(120), minimumInterval: .seconds(600), retryDelays: [.seconds(60), .seconds(300)])
        #expect(policy.dueAt(oldestPending: start, lastSentAt: nil) == start.addingTimeInterval(120))
        // Sent long ago: only the gathering counts.
        #expect(policy.dueAt(oldestPending: start, lastSentAt: start.addingTimeInterval(-3_600)) == start.addingTimeInterval(120))
        // Sent a minute ago: wait until ten minutes after that email.
        #expect(policy.dueAt(oldestPending: start, lastSentAt: start.addingTimeInterval(-60)) == start.addingTimeInterval(540))
        #expect(policy.retryAt(afterAttempt: 1, now: start) == start.addingTimeInterval(60))
        #expect(policy.retryAt(afterAttempt: 2, now: start) == start.addingTimeInterval(300))
        #expect(policy.retryAt(afterAttempt: 3, now: start) == nil)
        #expect(policy.retryAt(afterAttempt: 0, now: start) == nil)
    }

    @Test func theDigestNamesWhoDidWhatWhere() {
        let mention = NotificationDigest.Item(
            kind: .mention, conversationId: "c1", subject: "Refund", contactName: "Carla", actorName: "Ben",
            excerpt: "@ana look\nat this", at: start)
        let single = NotificationDigest.compose(items: [mention])
        #expect(single.subject == "Ben mentioned you on \u{201C}Refund\u{201D}")
        #expect(single.text.hasPrefix("- Ben mentioned you on \u{201C}Refund\u{201D} (conversation c1)\n  > @ana look\n  > at this\n"))

        let assigned = NotificationDigest.Item(
            kind: .assigned, conversationId: "c2", subject: nil, contactName: "Dan", actorName: nil, excerpt: nil, at: start)
        let message = NotificationDigest.Item(
            kind: .newMessage, conversationId: "c3", subject: nil, contactName: nil, actorName: nil, excerpt: "Hi", at: start)
        let several = NotificationDigest.compose(items: [mention, assigned, message])
        #expect(several.subject == "3 updates in your Switchboard inbox")
        #expect(several.text.contains("- You were assigned the conversation with Dan (conversation c2)"))
        #expect(several.text.contains("- New message from a contact on a conversation (conversation c3)\n  > Hi"))
    }

    @Test func excerptsAreCutAtAWord() {
        #expect(NotificationDigest.excerpt("  short  ") == "short")
        let long = String(repeating: "word ", count: 100)
        let cut = NotificationDigest.excerpt(long, limit: 22)
        #expect(cut == "word word word word\u{2026}")
        // No space near the limit: cut mid-word rather than lose most of the text.
        #expect(NotificationDigest.excerpt(String(repeating: "x", count: 30), limit: 10) == String(repeating: "x", count: 10) + "\u{2026}")
    }

    @Test func aPendingEmailKeepsWhoAndWhat() throws {
        let ben = ActorRef(kind: .user, id: "ben")
        let payload = #"{"conversationId":"c1","commentId":"m1","authorId":"ben","text":"@ana please","mentions":["ana"],"addedAt":"2026-05-28T20:26:40.000Z"}"#
        let comment = try #require(try ConversationEvent(type: "conversation.comment_added.v1", payload: Data(payload.utf8)))
        let pending = PendingNotificationEmail.make(id: "7.mention", kind: .mention, conversationId: "c1", event: comment, actor: ben, at: start)
        #expect(pending.byUserId == "ben")
        #expect(pending.excerpt == "@ana please")
        let undecoded = PendingNotificationEmail.make(id: "8.newMessage", kind: .newMessage, conversationId: "c1", event: nil, actor: ben, at: start)
        #expect(undecoded.byUserId == nil && undecoded.excerpt == nil)
    }
}
