import Foundation

/// The conversation aggregate as a decider: `decide` turns a command and the current state into events,
/// `evolve` folds events into state. Pure: ids and times are inputs.
public enum Conversation {
    public enum Status: String, Sendable, Codable {
        case open, closed
        /// Caught by the inbox's email filters: kept, never worked on unless someone reopens it.
        case filtered
    }

    /// What a decision needs to know about a conversation.
    public struct State: Sendable, Equatable {
        public var status: Status?
        public var inboxId = ""
        public var channelId = ""
        public var channelType = ""
        public var assigneeId: String?
        public var contactId: String?
        /// How many events the stream holds: the conversation's version for If-Match.
        public var version: UInt64 = 0
        public var inboundMessages = 0
        /// The chat bot's session while it lasts (until it hands off, resolves, or the conversation closes).
        public var bot: BotState?

        public init() {}

        public var exists: Bool { status != nil }
    }

    /// Where a bot's session stands.
    public struct BotState: Sendable, Equatable {
        public var answers = 0
        public var emailCaptured = false
        /// The handoff waiting for the visitor to answer the email question.
        public var pendingHandoff: BotHandoffReason?

        public init() {}
    }

    /// Where a new conversation starts, when an inbound message opens one.
    public struct Origin: Sendable, Equatable {
        public var inboxId: String
        public var channelId: String
        public var channelType: String
        public var contactId: String?

        public init(inboxId: String, channelId: String, channelType: String, contactId: String?) {
            self.inboxId = inboxId
            self.channelId = channelId
            self.channelType = channelType
            self.contactId = contactId
        }
    }

    /// A message from outside.
    public struct Inbound: Sendable, Equatable {
        public var conversationId: String
        public var messageId: String
        public var origin: Origin
        public var from: Visitor
        public var text: String
        public var html: String?
        public var subject: String?
        public var sentAt: Date?
        public var receivedAt: Date
        public var externalMessageId: String?
        public var attachments: [Attachment]?
        public var email: InboundEmail?
        /// Set when the inbox's email filters caught it: it then starts a filtered conversation.
        public var filteredBecause: EmailFilters.Reason?

        public init(
            conversationId: String, messageId: String, origin: Origin, from: Visitor, text: String, html: String?,
            subject: String?, sentAt: Date?, receivedAt: Date, externalMessageId: String?,
            attachments: [Attachment]? = nil, email: InboundEmail? = nil, filteredBecause: EmailFilters.Reason? = nil
        ) {
            self.conversationId = conversationId
            self.messageId = messageId
            self.origin = origin
            self.from = from
            self.text = text
            self.html = html
            self.subject = subject
            self.sentAt = sentAt
            self.receivedAt = receivedAt
            self.externalMessageId = externalMessageId
            self.attachments = attachments
            self.email = email
            self.filteredBecause = filteredBecause
        }
    }

    public enum Command: Sendable, Equatable {
        case receive(Inbound)
        case reply(messageId: String, authorId: String, text: String, html: String?, delivery: String?, email: OutboundEmail?, at: Date)
        case assign(userId: String?)
        /// Takes the conversation from its assignee for a reason no person decided (they left the inbox...).
        case unassign(because: ConversationEvent.Assigned.Reason)
        case comment(commentId: String, authorId: String, text: String, mentions: [String], at: Date)
        case close
        case reopen
        case linkContact(contactId: String)
        case markRead(userId: String)
    }

    public enum Rejection: Error, Sendable, Equatable {
        case notFound
        case emptyText
        case alreadyClosed
        case notClosed
        case contactAlreadyLinked
        /// Filtered conversations take no replies and no new messages until someone reopens them.
        case filtered
        /// A filtered message always starts a conversation of its own.
        case alreadyExists
    }

    public static func decide(_ command: Command, _ state: State, id: String) throws(Rejection) -> [ConversationEvent] {
        if case .receive(let inbound) = command { return try receive(inbound, state) }
        guard state.exists else { throw .notFound }
        switch command {
        case .receive:
            preconditionFailure("handled above")
        case .reply(let messageId, let authorId, let text, let html, let delivery, let email, let at):
            guard state.status != .filtered else { throw .filtered }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptyText }
            return [.replyPosted(.init(
                conversationId: id, messageId: messageId, authorId: authorId, text: text, html: html,
                delivery: delivery, postedAt: at, email: email))]
        case .assign(let userId):
            guard userId != state.assigneeId else { return [] }
            return [.assigned(.init(conversationId: id, assigneeId: userId, previousAssigneeId: state.assigneeId))]
        case .unassign(let reason):
            guard let assigneeId = state.assigneeId else { return [] }
            return [.assigned(.init(conversationId: id, assigneeId: nil, previousAssigneeId: assigneeId, reason: reason))]
        case .comment(let commentId, let authorId, let text, let mentions, let at):
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .emptyText }
            return [.commentAdded(.init(
                conversationId: id, commentId: commentId, authorId: authorId, text: text, mentions: mentions, addedAt: at))]
        case .close:
            guard state.status == .open else { throw .alreadyClosed }
            return [.closed(.init(conversationId: id))]
        case .reopen:
            guard state.status == .closed || state.status == .filtered else { throw .notClosed }
            return [.reopened(.init(conversationId: id, reason: .user))]
        case .linkContact(let contactId):
            guard state.contactId == nil else { throw .contactAlreadyLinked }
            return [.contactLinked(.init(conversationId: id, contactId: contactId))]
        case .markRead(let userId):
            return [.markedRead(.init(conversationId: id, userId: userId, inboundMessages: state.inboundMessages))]
        }
    }

    private static func receive(_ inbound: Inbound, _ state: State) throws(Rejection) -> [ConversationEvent] {
        let message = ConversationEvent.messageReceived(.init(
            conversationId: inbound.conversationId, messageId: inbound.messageId, text: inbound.text, html: inbound.html,
            subject: inbound.subject, from: inbound.from, sentAt: inbound.sentAt, receivedAt: inbound.receivedAt,
            externalMessageId: inbound.externalMessageId, attachments: inbound.attachments, email: inbound.email))
        if let reason = inbound.filteredBecause {
            guard !state.exists else { throw .alreadyExists }
            guard case .messageReceived(let filteredMessage) = message else { preconditionFailure("built above") }
            let filtered = ConversationEvent.filtered(.init(
                conversationId: inbound.conversationId, inboxId: inbound.origin.inboxId,
                channelId: inbound.origin.channelId, channelType: inbound.origin.channelType, subject: inbound.subject,
                visitor: inbound.from, contactId: inbound.origin.contactId, reason: reason))
            return [filtered, .messageFiltered(filteredMessage)]
        }
        switch state.status {
        case .filtered:
            throw .filtered
        case nil:
            let started = ConversationEvent.started(.init(
                conversationId: inbound.conversationId, inboxId: inbound.origin.inboxId,
                channelId: inbound.origin.channelId, channelType: inbound.origin.channelType, subject: inbound.subject,
                visitor: inbound.from, contactId: inbound.origin.contactId))
            return [started, message]
        case .closed:
            return [.reopened(.init(conversationId: inbound.conversationId, reason: .inboundMessage)), message]
        case .open:
            return [message]
        }
    }

    public static func evolve(_ state: State, _ event: ConversationEvent) -> State {
        var state = state
        state.version += 1
        switch event {
        case .started(let started):
            state.status = .open
            state.inboxId = started.inboxId
            state.channelId = started.channelId
            state.channelType = started.channelType
            state.contactId = started.contactId
        case .filtered(let filtered):
            state.status = .filtered
            state.inboxId = filtered.inboxId
            state.channelId = filtered.channelId
            state.channelType = filtered.channelType
            state.contactId = filtered.contactId
        case .messageReceived:
            state.inboundMessages += 1
        case .assigned(let assigned):
            state.assigneeId = assigned.assigneeId
        case .closed:
            state.status = .closed
            state.bot = nil
        case .reopened:
            state.status = .open
        case .contactLinked(let linked):
            state.contactId = linked.contactId
        case .botSessionStarted:
            state.bot = BotState()
        case .botReplied(let reply):
            if reply.intent == .answer { state.bot?.answers += 1 }
            if reply.intent == .askEmail { state.bot?.pendingHandoff = reply.pendingHandoff }
        case .botEmailCaptured:
            state.bot?.emailCaptured = true
        case .botHandedOff, .botResolved:
            state.bot = nil
        case .replyPosted, .commentAdded, .markedRead, .messageFiltered:
            break
        }
        return state
    }

    /// The state after `events`, oldest first.
    public static func fold(_ events: [ConversationEvent]) -> State {
        events.reduce(State(), evolve)
    }
}
