import Foundation
import Testing

@testable import InboxCore

@Suite struct EmailFiltersTests {
    let filters = EmailFilters(blockedSenders: ["spam@example.com"], blockedDomains: ["junk.example"], dropAutoReplies: true)

    @Test func aBlockedSenderIsFilteredWhateverItsCase() {
        #expect(filters.verdict(sender: "Spam@Example.COM", isAutomatic: false) == .blockedSender)
    }

    @Test func aBlockedDomainBlocksItsSubdomainsButNotLookalikes() {
        #expect(filters.verdict(sender: "a@junk.example", isAutomatic: false) == .blockedDomain)
        #expect(filters.verdict(sender: "a@mail.junk.example", isAutomatic: false) == .blockedDomain)
        #expect(filters.verdict(sender: "a@notjunk.example", isAutomatic: false) == nil)
    }

    @Test func automaticMessagesAreFilteredOnlyWhileDroppingThemIsOn() {
        #expect(filters.verdict(sender: "ooo@example.org", isAutomatic: true) == .automatic)
        #expect(filters.verdict(sender: nil, isAutomatic: true) == .automatic)
        var keeping = filters
        keeping.dropAutoReplies = false
        #expect(keeping.verdict(sender: "ooo@example.org", isAutomatic: true) == nil)
        #expect(EmailFilters().dropAutoReplies, "a new inbox drops automatic replies")
    }

    @Test func setFiltersAreNormalisedAndChecked() throws {
        let set = try EmailFilters.normalized(
            blockedSenders: [" A@B.com", "a@b.com"], blockedDomains: ["@Junk.Example", "junk.example"], dropAutoReplies: false)
        #expect(set == EmailFilters(blockedSenders: ["a@b.com"], blockedDomains: ["junk.example"], dropAutoReplies: false))
        #expect(throws: EmailFilters.Invalid.notAnAddress("nobody")) {
            try EmailFilters.normalized(blockedSenders: ["nobody"], blockedDomains: [], dropAutoReplies: true)
        }
        #expect(throws: EmailFilters.Invalid.notADomain("localhost")) {
            try EmailFilters.normalized(blockedSenders: [], blockedDomains: ["localhost"], dropAutoReplies: true)
        }
    }
}

@Suite struct OutboundEmailTests {
    @Test func aReplySubjectIsPrefixedOnce() {
        #expect(OutboundEmail.replySubject("Invoice") == "Re: Invoice")
        #expect(OutboundEmail.replySubject("RE: Invoice") == "RE: Invoice")
        #expect(OutboundEmail.replySubject("Aw: Rechnung") == "Aw: Rechnung")
        #expect(OutboundEmail.replySubject("  ") == "Re: (no subject)")
        #expect(OutboundEmail.replySubject(nil) == "Re: (no subject)")
    }

    @Test func referencesContinueTheChainWithoutRepeatsAndStayBounded() {
        #expect(OutboundEmail.references(answering: "<b@x>", chain: ["<a@x>"]) == ["<a@x>", "<b@x>"])
        #expect(OutboundEmail.references(answering: "<a@x>", chain: ["<a@x>"]) == ["<a@x>"])
        #expect(OutboundEmail.references(answering: nil, chain: []) == [])
        let long = (1...30).map { "<\($0)@x>" }
        #expect(OutboundEmail.references(answering: "<new@x>", chain: long).count == 20)
        #expect(OutboundEmail.references(answering: "<new@x>", chain: long).last == "<new@x>")
    }
}

@Suite struct DeliveryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let policy = DeliveryPolicy(retryDelays: [.seconds(60), .milliseconds(1_500)])

    func after(_ attempt: Int, permanent: Bool = false) -> DeliveryEvent {
        policy.afterFailure(attempt: attempt, permanent: permanent, reason: "why", conversationId: "c", messageId: "m", now: now)
    }

    @Test func aPassingFailureIsRetriedAfterEachDelayInTurn() {
        guard case .retryScheduled(let first) = after(1), case .retryScheduled(let second) = after(2) else {
            Issue.record("expected retries")
            return
        }
        #expect(first.retryAt == now.addingTimeInterval(60))
        #expect(second.retryAt == now.addingTimeInterval(1.5))
        #expect(first.attempt == 1 && first.reason == "why")
    }

    @Test func theLastRetryOrAPermanentRefusalFailsForGood() {
        #expect(after(3) == .failed(.init(conversationId: "c", messageId: "m", attempt: 3, reason: "why", at: now)))
        #expect(after(1, permanent: true) == .failed(.init(conversationId: "c", messageId: "m", attempt: 1, reason: "why", at: now)))
    }
}

@Suite struct FilteredConversationTests {
    let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    let origin = Conversation.Origin(inboxId: "i1", channelId: "c1", channelType: "email", contactId: nil)

    func inbound(_ messageId: String, filtered: EmailFilters.Reason? = nil) -> Conversation.Command {
        .receive(.init(
            conversationId: "cv1", messageId: messageId, origin: origin, from: Visitor(email: "ooo@example.com"),
            text: "I am away", html: nil, subject: "Out of office", sentAt: nil, receivedAt: t0, externalMessageId: nil,
            filteredBecause: filtered))
    }

    func state(after commands: [Conversation.Command]) throws -> Conversation.State {
        var state = Conversation.State()
        for command in commands { state = try Conversation.decide(command, state, id: "cv1").reduce(state, Conversation.evolve) }
        return state
    }

    @Test func aFilteredMessageStartsAFilteredConversationWithoutAMessageReceived() throws {
        let events = try Conversation.decide(inbound("m1", filtered: .automatic), Conversation.State(), id: "cv1")
        #expect(events.map(\.tag) == [.filtered, .messageFiltered])
        #expect(try state(after: [inbound("m1", filtered: .automatic)]).status == .filtered)
    }

    @Test func aFilteredConversationTakesNoReplyNoMessageAndNoSecondFilteredMessage() throws {
        let filtered = try state(after: [inbound("m1", filtered: .blockedSender)])
        let reply = Conversation.Command.reply(messageId: "r1", authorId: "u1", text: "hi", html: nil, delivery: "queued", email: nil, at: t0)
        #expect(throws: Conversation.Rejection.filtered) { try Conversation.decide(reply, filtered, id: "cv1") }
        #expect(throws: Conversation.Rejection.filtered) { try Conversation.decide(inbound("m2"), filtered, id: "cv1") }
        #expect(throws: Conversation.Rejection.alreadyExists) {
            try Conversation.decide(inbound("m2", filtered: .blockedSender), filtered, id: "cv1")
        }
    }

    @Test func reopeningAFilteredConversationMakesItWork() throws {
        let reopened = try state(after: [inbound("m1", filtered: .blockedDomain), .reopen])
        #expect(reopened.status == .open)
        #expect(try Conversation.decide(inbound("m2"), reopened, id: "cv1").map(\.tag) == [.messageReceived])
    }
}
