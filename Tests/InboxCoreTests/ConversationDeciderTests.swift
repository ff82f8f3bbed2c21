import Foundation
import Testing

@testable import InboxCore

@Suite struct ConversationDeciderTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let origin = Conversation.Origin(inboxId: "i1", channelId: "c1", channelType: "custom", contactId: nil)

    func inbound(_ messageId: String, sentAt: Date? = nil) -> Conversation.Command {
        .receive(.init(
            conversationId: "cv1", messageId: messageId, origin: origin, from: Visitor(email: "ana@example.com"),
            text: "hello", html: nil, subject: "Help", sentAt: sentAt, receivedAt: t0, externalMessageId: nil))
    }

    /// Given `history`, when `command`: the events decided.
    func given(_ history: [Conversation.Command], when command: Conversation.Command) throws(Conversation.Rejection) -> [ConversationEvent] {
        var state = Conversation.State()
        for past in history {
            state = try Conversation.decide(past, state, id: "cv1").reduce(state, Conversation.evolve)
        }
        return try Conversation.decide(command, state, id: "cv1")
    }

    @Test func aFirstInboundMessageStartsTheConversation() throws {
        let events = try given([], when: inbound("m1"))
        #expect(events.map(\.tag) == [.started, .messageReceived])
        guard case .started(let started) = events[0] else { return }
        #expect(started.inboxId == "i1")
        #expect(started.subject == "Help")
    }

    @Test func anInboundMessageReopensAClosedConversation() throws {
        let events = try given([inbound("m1"), .close], when: inbound("m2"))
        #expect(events.map(\.tag) == [.reopened, .messageReceived])
        #expect(events.first == .reopened(.init(conversationId: "cv1", reason: .inboundMessage)))
    }

    @Test func releasingAnAssignedConversationRecordsWhoHadItAndWhy() throws {
        let events = try given([inbound("m1"), .assign(userId: "u1")], when: .unassign(because: .removedFromInbox))
        #expect(events == [.assigned(.init(conversationId: "cv1", assigneeId: nil, previousAssigneeId: "u1", reason: .removedFromInbox))])
        #expect(try given([inbound("m1")], when: .unassign(because: .removedFromInbox)).isEmpty)
    }

    @Test func closingAClosedConversationIsRejected() {
        #expect(throws: Conversation.Rejection.alreadyClosed) { try given([inbound("m1"), .close], when: .close) }
    }

    @Test func reopeningAnOpenConversationIsRejected() {
        #expect(throws: Conversation.Rejection.notClosed) { try given([inbound("m1")], when: .reopen) }
    }

    @Test func commandsOnAConversationThatDoesNotExistAreRejected() {
        #expect(throws: Conversation.Rejection.notFound) { try given([], when: .close) }
    }

    @Test func reassigningRecordsThePreviousAssigneeAndAssigningTheSameUserDoesNothing() throws {
        let events = try given([inbound("m1"), .assign(userId: "u1")], when: .assign(userId: "u2"))
        #expect(events == [.assigned(.init(conversationId: "cv1", assigneeId: "u2", previousAssigneeId: "u1"))])
        #expect(try given([inbound("m1"), .assign(userId: "u1")], when: .assign(userId: "u1")).isEmpty)
        let unassigned = try given([inbound("m1"), .assign(userId: "u1")], when: .assign(userId: nil))
        #expect(unassigned == [.assigned(.init(conversationId: "cv1", assigneeId: nil, previousAssigneeId: "u1"))])
    }

    @Test func emptyRepliesAndCommentsAreRejected() {
        #expect(throws: Conversation.Rejection.emptyText) {
            try given([inbound("m1")], when: .reply(messageId: "r1", authorId: "u1", text: "  \n", html: nil, delivery: nil, email: nil, at: t0))
        }
        #expect(throws: Conversation.Rejection.emptyText) {
            try given([inbound("m1")], when: .comment(commentId: "k1", authorId: "u1", text: "", mentions: [], at: t0))
        }
    }

    @Test func aContactIsLinkedOnce() throws {
        #expect(try given([inbound("m1")], when: .linkContact(contactId: "p1")).map(\.tag) == [.contactLinked])
        #expect(throws: Conversation.Rejection.contactAlreadyLinked) {
            try given([inbound("m1"), .linkContact(contactId: "p1")], when: .linkContact(contactId: "p2"))
        }
    }

    @Test func theVersionCountsTheStreamsEvents() throws {
        var state = Conversation.State()
        for command in [inbound("m1"), .assign(userId: "u1"), .close] {
            state = try Conversation.decide(command, state, id: "cv1").reduce(state, Conversation.evolve)
        }
        #expect(state.version == 4)
        #expect(state.status == .closed)
        #expect(state.inboundMessages == 1)
    }

    @Test func aMessagesTimeIsItsSentTimeUnlessThatIsInTheFuture() throws {
        let past = try given([], when: inbound("m1", sentAt: t0.addingTimeInterval(-60)))
        let future = try given([], when: inbound("m1", sentAt: t0.addingTimeInterval(3600)))
        guard case .messageReceived(let early) = past[1], case .messageReceived(let late) = future[1] else {
            Issue.record("expected messages")
            return
        }
        #expect(early.at == t0.addingTimeInterval(-60))
        #expect(late.at == t0)
    }

    @Test func everyConversationEventRoundTripsThroughItsTag() throws {
        let events = try given([inbound("m1"), .assign(userId: "u1"), .close], when: inbound("m2"))
            + [.replyPosted(.init(conversationId: "cv1", messageId: "r", authorId: "u", text: "t", html: nil, delivery: "queued", postedAt: t0))]
        for event in events {
            #expect(try ConversationEvent(type: event.tag.rawValue, payload: event.payload) == event)
        }
        #expect(try ConversationEvent(type: "user.registered.v1", payload: Data("{}".utf8)) == nil)
    }
}

@Suite struct MentionsTests {
    @Test(arguments: [
        ("thanks @0190c1f8a0b27c3d8e4f5a6b7c8d9e0f, can you look?", ["0190c1f8a0b27c3d8e4f5a6b7c8d9e0f"]),
        ("@bo@example.com and @ana@example.com.", ["bo@example.com", "ana@example.com"]),
        ("mail ana@example.com directly", []),
        ("(@u1) @u1 again", ["u1"]),
        ("just an @ sign", []),
    ])
    func mentionsAreFoundWhereAnAtSignStartsAWord(text: String, expected: [String]) {
        #expect(Mentions.tokens(in: text) == expected)
    }
}

@Suite struct CoreSupportTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandardVectors(input: String, digest: String) {
        #expect(SHA256Digest.hex(input) == digest)
    }

    @Test func sha256HandlesInputsAcrossBlockBoundaries() {
        // 1,000,000 times "a" is the FIPS long vector.
        #expect(SHA256Digest.hex(String(repeating: "a", count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [("Support Team", "support-team"), ("Ventes & Après-vente", "ventes-apres-vente"), ("!!!", "inbox"), ("  Sales  ", "sales")])
    func slugsAreLowercaseASCIIWithSingleDashes(name: String, slug: String) {
        #expect(Slug.make(name) == slug)
    }

    @Test func longKeysNameStreamsByTheirDigest() {
        let short = KeyedStreams.stream(category: "identity", key: "email:ana@example.com")
        #expect(short.rawValue == "identity-email:ana@example.com")
        let long = KeyedStreams.stream(category: "identity", key: String(repeating: "x", count: 300))
        #expect(long.rawValue.hasPrefix("identity-sha256:"))
        #expect(long.rawValue.count == "identity-sha256:".count + 64)
    }

    @Test(arguments: ["ana@example.com", "a.b+c@sub.example.co.uk", "josé@bücher.example"])
    func validEmails(address: String) { #expect(EmailAddress.isValid(address)) }

    @Test(arguments: ["ana", "ana@", "@example.com", "ana@example", "a b@example.com", "ana@@example.com", "ana@.com",
        "ana@example.", "<ana@example.com>", "ana,ben@example.com", "ana\u{00A0}x@example.com", "ana@exa\tmple.com",
        String(repeating: "a", count: 65) + "@example.com", "ana@" + String(repeating: "b", count: 64) + ".com"])
    func invalidEmails(address: String) { #expect(!EmailAddress.isValid(address)) }
}
