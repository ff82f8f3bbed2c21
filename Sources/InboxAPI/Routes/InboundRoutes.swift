import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// `POST /channels/{id}/messages`: how integrating systems (custom channels, imports) bring messages in.
/// `externalMessageId` deduplicates through a claim stream in the same append; `externalThreadId` threads.
struct InboundRoutes {
    let backend: Backend
    let idempotency: Idempotency
    /// Tries of a decision that lost a race: to a thread, a conversation, or a routing turn (with routing on,
    /// concurrent new conversations of one inbox take their turns one commit at a time).
    static let attempts = 100

    struct InboundMessage: RequestBody {
        static let fields: Set<String> = [
            "from", "text", "html", "subject", "externalMessageId", "externalThreadId", "sentAt",
        ]
        static let nestedFields: [String: Set<String>] = ["from": ["email", "externalId", "name"]]

        struct From: Decodable, Sendable {
            var email: String?
            var externalId: String?
            var name: String?
        }

        var from: From
        var text: String
        var html: String?
        var subject: String?
        var externalMessageId: String?
        var externalThreadId: String?
        var sentAt: String?
    }

    struct Accepted: Encodable, Sendable {
        var conversationId: String
        var messageId: String
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("channels/:id/messages", use: receive)
    }

    @Sendable func receive(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let channelId = try Parameters.id(context)
        let channel = try backend.read { txn in try backend.views.directory.channel(channelId, in: txn) }
        guard let channel, caller.mayAccess(inboxId: channel.inboxId) else { throw APIError.notFound("No such channel.") }
        let body = try await StrictJSON.decode(InboundMessage.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let message = body.value
            let visitor = try Self.visitor(message.from)
            guard !message.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw APIError.unprocessable("Field 'text' must not be empty.")
            }
            for (field, value) in [("externalMessageId", message.externalMessageId), ("externalThreadId", message.externalThreadId)] {
                if let value, value.isEmpty || value.utf8.count > 512 {
                    throw APIError.unprocessable("Field '\(field)' must be 1 to 512 bytes.")
                }
            }
            let sentAt = try Parameters.time(message.sentAt, field: "sentAt")
            for _ in 1...Self.attempts {
                if let answer = try await accept(message, visitor: visitor, sentAt: sentAt, channel: channel) { return answer }
            }
            throw APIError.conflict("The thread keeps changing; try again.", code: "version_conflict")
        }
    }

    /// One try: nil when another writer got to the thread or conversation first and the decision must be taken again.
    private func accept(
        _ message: InboundMessage, visitor: Visitor, sentAt: Date?, channel: ChannelView
    ) async throws -> WriteAnswer? {
        let actor = ActorRef(kind: .integration, id: channel.id)
        let messageStream = message.externalMessageId.map { ChannelEvent.messageStream(channelId: channel.id, externalMessageId: $0) }
        if let messageStream, let earlier = try await firstAccepted(messageStream) { return earlier }

        var events: [ProposedEvent] = []
        var expectations: [StreamID: ExpectedVersion] = [:]
        let conversationId: String
        if let threadId = message.externalThreadId {
            let threadStream = ChannelEvent.threadStream(channelId: channel.id, externalThreadId: threadId)
            if case .threadOpened(let opened)? = try await backend.events(of: threadStream, as: ChannelEvent.self).first {
                conversationId = opened.conversationId
            } else {
                conversationId = Identifiers.make()
                events.append(ChannelEvent.threadOpened(.init(
                    channelId: channel.id, externalThreadId: threadId, conversationId: conversationId)).proposed(to: threadStream, by: actor))
                expectations[threadStream] = .noStream
            }
        } else {
            conversationId = Identifiers.make()
        }

        let state = try await backend.conversationState(conversationId)
        let contactId = try backend.read { txn in
            try Identity.of(visitor, channelId: channel.id).lazy.compactMap {
                try backend.views.conversations.contactId(holding: $0, in: txn)
            }.first
        }
        let messageId = Identifiers.make()
        let inbound = Conversation.Inbound(
            conversationId: conversationId, messageId: messageId,
            origin: .init(inboxId: channel.inboxId, channelId: channel.id, channelType: channel.type, contactId: contactId),
            from: visitor, text: message.text, html: message.html, subject: message.subject, sentAt: sentAt,
            receivedAt: Date(), externalMessageId: message.externalMessageId)
        let decided: [ConversationEvent]
        do {
            decided = try Conversation.decide(.receive(inbound), state, id: conversationId)
        } catch {
            throw ConversationCommandRoutes.apiError(error)
        }
        let conversationStream = ConversationEvent.stream(conversationId)
        events += decided.map { $0.proposed(to: conversationStream, by: actor) }
        expectations[conversationStream] = state.exists ? .exact(state.version) : .noStream
        if !state.exists, let routed = try await backend.routedAssignment(inboxId: channel.inboxId, conversationId: conversationId, by: actor) {
            events += routed.events
            expectations.merge(routed.expectations) { $1 }
        }
        if let messageStream, let externalMessageId = message.externalMessageId {
            events.append(ChannelEvent.messageAccepted(.init(
                channelId: channel.id, externalMessageId: externalMessageId, conversationId: conversationId,
                messageId: messageId)).proposed(to: messageStream, by: actor))
            expectations[messageStream] = .noStream
        }
        guard let position = try await backend.commitOrDecideAgain(AppendBatch(events, expectations: expectations)) else {
            return nil
        }
        return try WriteAnswer(
            status: .created, Accepted(conversationId: conversationId, messageId: messageId), logPosition: position)
    }

    /// A message id seen before answers 200 with what it created, appending nothing.
    private func firstAccepted(_ stream: StreamID) async throws -> WriteAnswer? {
        let recorded = try await backend.log.readStream(stream, from: 1, maxCount: 1)
        guard let first = recorded.first, case .messageAccepted(let accepted)? = try ChannelEvent(first) else { return nil }
        return try WriteAnswer(
            status: .ok, Accepted(conversationId: accepted.conversationId, messageId: accepted.messageId),
            logPosition: first.position)
    }

    static func visitor(_ from: InboundMessage.From) throws -> Visitor {
        let email = from.email.map(EmailAddress.normalize)
        if let email, !EmailAddress.isValid(email) { throw APIError.unprocessable("Field 'from.email' is not an email address.") }
        let externalId = from.externalId.flatMap { $0.isEmpty ? nil : $0 }
        guard email != nil || externalId != nil else {
            throw APIError.unprocessable("Field 'from' needs an email or an externalId.")
        }
        return Visitor(email: email, externalId: externalId, name: from.name)
    }
}
