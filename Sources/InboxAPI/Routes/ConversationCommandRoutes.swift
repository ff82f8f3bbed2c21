import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import MessengerChannel
import Projections

/// What an agent does to a conversation: reply, comment, assign, close, reopen, mark read. Each decision is
/// taken on the conversation's stream as the log has it, appended with that version expected; `If-Match`
/// pins the version the client saw.
struct ConversationCommandRoutes {
    let backend: Backend
    let idempotency: Idempotency
    /// Retries of a decision that lost a race to another writer (without If-Match).
    static let attempts = 5

    struct Reply: RequestBody {
        static let fields: Set<String> = ["text", "html"]
        var text: String
        var html: String?
    }

    struct NewComment: RequestBody {
        static let fields: Set<String> = ["text"]
        var text: String
    }

    struct Assignee: RequestBody {
        static let fields: Set<String> = ["userId"]
        var userId: String?

        private enum CodingKeys: String, CodingKey { case userId }

        /// `userId` must be present: `null` unassigns, absence is a mistake.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.userId) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.userId, .init(codingPath: [], debugDescription: "userId is required (null unassigns)"))
            }
            userId = try container.decodeIfPresent(String.self, forKey: .userId)
        }
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("conversations/:id/messages", use: reply)
        api.post("conversations/:id/comments", use: comment)
        api.put("conversations/:id/assignee", use: assign)
        api.post("conversations/:id/close", use: close)
        api.post("conversations/:id/reopen", use: reopen)
        api.post("conversations/:id/read", use: markRead)
    }

    @Sendable func reply(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let (caller, record) = try target(context)
        let body = try await StrictJSON.decode(Reply.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let messageId = Identifiers.make()
            // A custom channel's replies are delivered by publishing them on the integration feed, a chat's by the
            // visitor's socket reading them from the log (now, or when they come back).
            let delivery = record.channelType == "custom" || record.channelType == "chat" ? "sent" : "queued"
            let email = record.channelType == "email" ? try outboundEmail(replying: record, messageId: messageId) : nil
            if record.channelType == "messenger" { try requireMessagingWindow(record) }
            let position = try await decide(request, record.id, caller) { _ in
                .reply(
                    messageId: messageId, authorId: caller.userId, text: body.value.text, html: body.value.html,
                    delivery: delivery, email: email, at: backend.now())
            }
            let message = try backend.read { txn in
                try backend.views.conversations.messages(of: record.id, in: txn).last { $0.id == messageId }
            }
            guard let message else { throw APIError.internalError() }
            return try WriteAnswer(status: .created, MessageJSON(message, contactId: nil, conversationId: record.id), logPosition: position)
        }
    }

    /// Messenger takes a page's replies only within 24 hours of the person's last message.
    private func requireMessagingWindow(_ record: ConversationRecord) throws {
        let lastInbound = try backend.read { txn in
            try backend.views.conversations.messages(of: record.id, in: txn).last { $0.direction == "inbound" }?.at
        }
        guard MessagingWindow.canReply(lastInboundAt: lastInbound, now: backend.now()) else {
            throw APIError.unprocessable(MessagingWindow.refusalMessage(lastInboundAt: lastInbound), code: "messaging_window_closed")
        }
    }

    @Sendable func comment(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let (caller, record) = try target(context)
        let body = try await StrictJSON.decode(NewComment.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let commentId = Identifiers.make()
            let mentions = try mentionedUsers(in: body.value.text)
            let position = try await decide(request, record.id, caller) { _ in
                .comment(commentId: commentId, authorId: caller.userId, text: body.value.text, mentions: mentions, at: backend.now())
            }
            let comment = try backend.read { txn in
                try backend.views.conversations.comments(of: record.id, in: txn).last { $0.id == commentId }
            }
            guard let comment else { throw APIError.internalError() }
            return try WriteAnswer(status: .created, CommentJSON(comment), logPosition: position)
        }
    }

    @Sendable func assign(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let (caller, record) = try target(context)
        let body = try await StrictJSON.decode(Assignee.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            if let userId = body.value.userId { try requireMember(userId, of: record.inboxId) }
            let position = try await decide(request, record.id, caller) { _ in .assign(userId: body.value.userId) }
            return try summary(record.id, caller, position: position)
        }
    }

    @Sendable func close(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        try await simple(request, context) { .close }
    }

    @Sendable func reopen(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        try await simple(request, context) { .reopen }
    }

    @Sendable func markRead(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        return try await simple(request, context) { .markRead(userId: caller.userId) }
    }

    /// A command without a body (an empty one, or `{}`, is accepted) answering the summary.
    private func simple(
        _ request: Request, _ context: SwitchboardRequestContext, _ command: @escaping @Sendable () -> Conversation.Command
    ) async throws -> Response {
        let (caller, record) = try target(context)
        let bytes = Data(try await request.body.collect(upTo: context.maxUploadSize).readableBytesView)
        if !bytes.isEmpty {
            guard let fields = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
                throw APIError.badRequest("This request takes no body, or an empty JSON object.", code: "malformed_json")
            }
            try StrictJSON.checkFields(fields, allowed: [])
        }
        return try await idempotency.run(request, context: context, caller: caller, body: bytes) {
            let position = try await decide(request, record.id, caller) { _ in command() }
            return try summary(record.id, caller, position: position)
        }
    }

    // MARK: Deciding

    private func target(_ context: SwitchboardRequestContext) throws -> (Caller, ConversationRecord) {
        let caller = try context.requireCaller()
        return (caller, try backend.visibleConversation(try Parameters.id(context), caller))
    }

    /// Decides `command` on the conversation's current state and appends the outcome. With `If-Match`, a state
    /// at another version answers 409; without it, losing a race just means deciding again on the new state.
    private func decide(
        _ request: Request, _ id: String, _ caller: Caller, command: (Conversation.State) -> Conversation.Command
    ) async throws -> UInt64 {
        let expected = try ifMatch(request)
        let stream = ConversationEvent.stream(id)
        for _ in 1...Self.attempts {
            let state = try await backend.conversationState(id)
            if let expected, expected != state.version {
                throw APIError.conflict(
                    "The conversation is at version \(state.version), not \(expected): reload it.", code: "version_conflict")
            }
            let events: [ConversationEvent]
            do {
                events = try Conversation.decide(command(state), state, id: id)
            } catch {
                throw Self.apiError(error)
            }
            guard !events.isEmpty else { return try await backend.log.head() }
            let batch = AppendBatch(
                events.map { $0.proposed(to: stream, by: caller.actor) }, expectations: [stream: .exact(state.version)])
            // With If-Match the client's version was the point: a race answers 409 rather than deciding again.
            if let position = try await backend.commitOrDecideAgain(batch, retryable: { _ in expected == nil }) { return position }
        }
        throw APIError.conflict("The conversation keeps changing; try again.", code: "version_conflict")
    }

    private func ifMatch(_ request: Request) throws -> UInt64? {
        guard let header = request.headers[.ifMatch] else { return nil }
        let text = header.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))
        guard let version = UInt64(text) else {
            throw APIError.badRequest("If-Match must be a conversation version number.", code: "invalid_if_match")
        }
        return version
    }

    static func apiError(_ rejection: Conversation.Rejection) -> APIError {
        switch rejection {
        case .notFound: .notFound("No such conversation.")
        case .emptyText: .unprocessable("Field 'text' must not be empty.")
        case .alreadyClosed: .conflict("The conversation is closed already.", code: "already_closed")
        case .notClosed: .conflict("The conversation is open already.", code: "not_closed")
        case .contactAlreadyLinked: .conflict("The conversation has a contact already.", code: "contact_already_linked")
        case .filtered: .conflict("The conversation was filtered; reopen it first.", code: "filtered")
        case .alreadyExists: .conflict("The conversation exists already.", code: "version_conflict")
        }
    }

    private func summary(_ id: String, _ caller: Caller, position: UInt64) throws -> WriteAnswer {
        try WriteAnswer(status: .ok, ConversationSummaryJSON(try backend.visibleConversation(id, caller), for: caller.userId), logPosition: position)
    }

    /// `@<userId>` and `@<email>` tokens that name users; other @words are left as text.
    private func mentionedUsers(in text: String) throws -> [String] {
        try backend.read { txn in
            var ids: [String] = []
            for token in Mentions.tokens(in: text) {
                let id = try backend.views.directory.user(token, in: txn) != nil
                    ? token : try backend.views.directory.userId(email: token, in: txn)
                if let id, !ids.contains(id) { ids.append(id) }
            }
            return ids
        }
    }

    /// An assignee must be able to see the conversation: a member of its inbox, or an admin.
    private func requireMember(_ userId: String, of inboxId: String) throws {
        let allowed = try backend.read { txn -> Bool in
            guard let user = try backend.views.directory.user(userId, in: txn) else { return false }
            return try user.role == .admin || backend.views.directory.inboxIds(memberId: userId, in: txn).contains(inboxId)
        }
        guard allowed else {
            throw APIError.unprocessable("Field 'userId' must name a member of the conversation's inbox.", code: "invalid_assignee")
        }
    }
}
