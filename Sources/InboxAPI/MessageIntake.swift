import Foundation
import InboxCore
import Projections

/// One inbound message on its way into the log, whichever channel brought it.
struct InboundDelivery: Sendable {
    /// Which conversation the message belongs to, as its channel tells.
    enum Thread: Sendable {
        /// A new conversation.
        case new
        /// The conversation an integration's thread id opened (or opens now).
        case external(String)
        /// A conversation the channel found itself (an email's `In-Reply-To`); a new one when it cannot take it.
        case conversation(String)
    }

    var channel: ChannelView
    var actor: ActorRef
    var visitor: Visitor
    var text: String
    var html: String?
    var subject: String?
    var sentAt: Date?
    var thread: Thread = .new
    /// The channel's id of the message; with `dedupeStream`, a second delivery appends nothing.
    var externalMessageId: String?
    var dedupeStream: StreamID?
    var attachments: [Attachment]?
    var email: InboundEmail?
    var blobs: [Blob] = []
    var filteredBecause: EmailFilters.Reason?
    /// A chat channel's bot, which answers before the team does.
    var bot: ChatBotConfig?
}

/// What became of an inbound message.
struct IntakeResult: Sendable {
    var conversationId: String
    var messageId: String
    var position: UInt64
    /// The message had arrived before: nothing was appended and the ids are the first delivery's.
    var duplicate: Bool
    /// The email the bot captured from the message, for the contact to link.
    var capturedEmail: String? = nil
}

/// Takes inbound messages into conversations: deduplicates, threads, finds the contact, routes new
/// conversations, and appends all of it at once, deciding again when another writer got there first.
struct MessageIntake: Sendable {
    let backend: Backend
    /// Tries of a decision that lost a race: to a thread, a conversation, or a routing turn (with routing on,
    /// concurrent new conversations of one inbox take their turns one commit at a time).
    static let attempts = 100

    func accept(_ delivery: InboundDelivery) async throws -> IntakeResult {
        for _ in 1...Self.attempts {
            if let result = try await attempt(delivery) { return result }
        }
        throw APIError.conflict("The thread keeps changing; try again.", code: "version_conflict")
    }

    /// One try: nil when another writer got to the thread or conversation first and the decision must be taken again.
    private func attempt(_ delivery: InboundDelivery) async throws -> IntakeResult? {
        let channel = delivery.channel
        let actor = delivery.actor
        if let stream = delivery.dedupeStream, let earlier = try await firstAccepted(stream) { return earlier }

        var events: [ProposedEvent] = []
        var expectations: [StreamID: ExpectedVersion] = [:]
        var conversationId = Identifiers.make()
        var state = Conversation.State()
        switch delivery.thread {
        case .new:
            break
        case .external(let threadId):
            let threadStream = ChannelEvent.threadStream(channelId: channel.id, externalThreadId: threadId)
            if case .threadOpened(let opened)? = try await backend.events(of: threadStream, as: ChannelEvent.self).first {
                conversationId = opened.conversationId
                state = try await backend.conversationState(conversationId)
            } else {
                events.append(ChannelEvent.threadOpened(.init(
                    channelId: channel.id, externalThreadId: threadId, conversationId: conversationId)).proposed(to: threadStream, by: actor))
                expectations[threadStream] = .noStream
            }
        case .conversation(let id):
            let found = try await backend.conversationState(id)
            // A filtered message stands alone, and a filtered conversation takes nothing until someone reopens it.
            if delivery.filteredBecause == nil, found.exists, found.status != .filtered, found.inboxId == channel.inboxId {
                conversationId = id
                state = found
            }
        }

        let contactId = try backend.read { txn in
            try Identity.of(delivery.visitor, channelId: channel.id).lazy.compactMap {
                try backend.views.conversations.contactId(holding: $0, in: txn)
            }.first
        }
        let messageId = Identifiers.make()
        let inbound = Conversation.Inbound(
            conversationId: conversationId, messageId: messageId,
            origin: .init(inboxId: channel.inboxId, channelId: channel.id, channelType: channel.type, contactId: contactId),
            from: delivery.visitor, text: delivery.text, html: delivery.html, subject: delivery.subject,
            sentAt: delivery.sentAt, receivedAt: backend.now(), externalMessageId: delivery.externalMessageId,
            attachments: delivery.attachments, email: delivery.email, filteredBecause: delivery.filteredBecause)
        let decided: [ConversationEvent]
        do {
            decided = try Conversation.decide(.receive(inbound), state, id: conversationId)
        } catch {
            throw ConversationCommandRoutes.apiError(error)
        }
        let conversationStream = ConversationEvent.stream(conversationId)
        let received = decided.map { $0.proposed(to: conversationStream, by: actor) }
        events += received
        expectations[conversationStream] = state.exists ? .exact(state.version) : .noStream
        // What the message causes (the bot's answer, routing) names it, so an audit can follow the chain.
        let cause = received.last { $0.type == ConversationEvent.Tag.messageReceived.rawValue }?.eventId
        func causedByMessage(_ event: ProposedEvent) -> ProposedEvent {
            var event = event
            event.correlationId = cause
            event.causationId = cause
            return event
        }
        // A bot answers in the same append; routing waits for its handoff.
        let bot = botTurn(delivery, before: state, after: decided, conversationId: conversationId)
        events += bot.events.map { causedByMessage($0.proposed(to: conversationStream, by: ActorRef(kind: .bot, id: channel.id))) }
        let route = bot.handedOff || (!state.exists && delivery.filteredBecause == nil && bot.events.isEmpty)
        if route, let routed = try await backend.routedAssignment(inboxId: channel.inboxId, conversationId: conversationId, by: actor) {
            events += routed.events.map(causedByMessage)
            expectations.merge(routed.expectations) { $1 }
        }
        if let stream = delivery.dedupeStream, let externalMessageId = delivery.externalMessageId {
            events.append(ChannelEvent.messageAccepted(.init(
                channelId: channel.id, externalMessageId: externalMessageId, conversationId: conversationId,
                messageId: messageId)).proposed(to: stream, by: actor))
            expectations[stream] = .noStream
        }
        let batch = AppendBatch(events, expectations: expectations, blobs: delivery.blobs)
        guard let position = try await backend.commitOrDecideAgain(batch) else { return nil }
        return IntakeResult(
            conversationId: conversationId, messageId: messageId, position: position, duplicate: false,
            capturedEmail: bot.capturedEmail)
    }

    /// The bot's answer to the message `decided` records: a new session when the message opens a conversation
    /// or a new cycle of one nobody is assigned, else the session under way, if any.
    private func botTurn(
        _ delivery: InboundDelivery, before state: Conversation.State, after decided: [ConversationEvent], conversationId: String
    ) -> ChatBot.Outcome {
        guard let config = delivery.bot, delivery.filteredBecause == nil else { return ChatBot.Outcome() }
        let after = decided.reduce(state, Conversation.evolve)
        guard after.assigneeId == nil else { return ChatBot.Outcome() }
        let opensCycle = !state.exists || state.status == .closed
        let turn = ChatBot.Turn(
            conversationId: conversationId, channelId: delivery.channel.id, text: delivery.text,
            visitorEmailKnown: delivery.visitor.email != nil || after.contactId != nil, at: backend.now(),
            messageIds: (0..<4).map { _ in Identifiers.make() })
        return ChatBot.respond(config: config, state: after, startsSession: opensCycle, turn: turn)
    }

    /// The first delivery of a message seen before.
    private func firstAccepted(_ stream: StreamID) async throws -> IntakeResult? {
        let recorded = try await backend.log.readStream(stream, from: 1, maxCount: 1)
        guard let first = recorded.first, case .messageAccepted(let accepted)? = try ChannelEvent(first) else { return nil }
        return IntakeResult(
            conversationId: accepted.conversationId, messageId: accepted.messageId, position: first.position, duplicate: true)
    }
}
