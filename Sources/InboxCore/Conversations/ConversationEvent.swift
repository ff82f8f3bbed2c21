import Foundation

/// Who wrote in from outside, as their channel identifies them (before, or without, a contact).
public struct Visitor: Codable, Sendable, Equatable {
    public var email: String?
    public var externalId: String?
    public var name: String?

    public init(email: String? = nil, externalId: String? = nil, name: String? = nil) {
        self.email = email
        self.externalId = externalId
        self.name = name
    }
}

/// Events of the `conversation-<id>` streams.
public enum ConversationEvent: EventFamily {
    case started(Started)
    case messageReceived(MessageReceived)
    case replyPosted(ReplyPosted)
    case assigned(Assigned)
    case commentAdded(CommentAdded)
    case closed(Closed)
    case reopened(Reopened)
    case contactLinked(ContactLinked)
    case markedRead(MarkedRead)
    case filtered(Filtered)
    case messageFiltered(MessageReceived)
    case botSessionStarted(BotSessionStarted)
    case botReplied(BotReplied)
    case botEmailCaptured(BotEmailCaptured)
    case botHandedOff(BotHandedOff)
    case botResolved(BotResolved)

    /// An inbound message on a channel opened the conversation (its first message follows in the same append).
    public struct Started: Codable, Sendable, Equatable {
        public var conversationId: String
        public var inboxId: String
        public var channelId: String
        public var channelType: String
        public var subject: String?
        public var visitor: Visitor
        /// The contact the visitor resolved to when the conversation started.
        public var contactId: String?
    }

    /// A message from the contact arrived.
    public struct MessageReceived: Codable, Sendable, Equatable {
        public var conversationId: String
        public var messageId: String
        public var text: String
        public var html: String?
        public var subject: String?
        public var from: Visitor
        /// When the channel says it was sent (email Date, Messenger timestamp, API sentAt).
        public var sentAt: Date?
        /// When Switchboard received it.
        public var receivedAt: Date
        public var externalMessageId: String?
        /// Files that came with it (email attachments), their bytes in the log's blobs.
        public var attachments: [Attachment]?
        /// What only an email has: its headers for threading, and its source in the log's blobs.
        public var email: InboundEmail?

        /// The message's time for reports and ordering: `sentAt` unless it is in the future, else `receivedAt`.
        public var at: Date {
            guard let sentAt, sentAt <= receivedAt else { return receivedAt }
            return sentAt
        }
    }

    /// An agent replied through the conversation's channel.
    public struct ReplyPosted: Codable, Sendable, Equatable {
        public var conversationId: String
        public var messageId: String
        public var authorId: String
        public var text: String
        public var html: String?
        /// `queued` when a delivery worker will send it; `sent` when writing it delivered it (custom channels: the
        /// integration reads replies from the event feed).
        public var delivery: String?
        public var postedAt: Date
        /// For an email conversation: the message the delivery worker sends, decided when the reply was written.
        public var email: OutboundEmail?
    }

    /// An inbound message an inbox's email filters caught (stream `conversation-<id>`, followed by
    /// `messageFiltered` in the same append): kept, visible with `status=filtered`, never opened, routed,
    /// notified or answered.
    public struct Filtered: Codable, Sendable, Equatable {
        public var conversationId: String
        public var inboxId: String
        public var channelId: String
        public var channelType: String
        public var subject: String?
        public var visitor: Visitor
        public var contactId: String?
        public var reason: EmailFilters.Reason
    }

    /// The assignee changed (nil: unassigned). The actor says who did it.
    public struct Assigned: Codable, Sendable, Equatable {
        /// Why it happened when no person decided it (absent: the event's actor chose).
        public enum Reason: String, Codable, Sendable, CaseIterable {
            /// The inbox's round robin.
            case routing
            /// The assignee lost access to the inbox.
            case removedFromInbox = "removed_from_inbox"
        }

        public var conversationId: String
        public var assigneeId: String?
        public var previousAssigneeId: String?
        public var reason: Reason?

        init(conversationId: String, assigneeId: String?, previousAssigneeId: String?, reason: Reason? = nil) {
            self.conversationId = conversationId
            self.assigneeId = assigneeId
            self.previousAssigneeId = previousAssigneeId
            self.reason = reason
        }
    }

    /// An internal comment: never sent to the contact.
    public struct CommentAdded: Codable, Sendable, Equatable {
        public var conversationId: String
        public var commentId: String
        public var authorId: String
        public var text: String
        /// The users mentioned (resolved from `@<userId>` and `@<email>`).
        public var mentions: [String]
        public var addedAt: Date
    }

    public struct Closed: Codable, Sendable, Equatable {
        public var conversationId: String
    }

    /// The conversation opened again: by a user, or by a new inbound message.
    public struct Reopened: Codable, Sendable, Equatable {
        public enum Reason: String, Codable, Sendable { case user, inboundMessage = "inbound_message" }
        public var conversationId: String
        public var reason: Reason
    }

    public struct ContactLinked: Codable, Sendable, Equatable {
        public var conversationId: String
        public var contactId: String
    }

    /// A user has read the conversation up to its `inboundMessages`-th inbound message.
    public struct MarkedRead: Codable, Sendable, Equatable {
        public var conversationId: String
        public var userId: String
        public var inboundMessages: Int
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case started = "conversation.started.v1"
        case messageReceived = "conversation.message_received.v1"
        case replyPosted = "conversation.reply_posted.v1"
        case assigned = "conversation.assigned.v1"
        case commentAdded = "conversation.comment_added.v1"
        case closed = "conversation.closed.v1"
        case reopened = "conversation.reopened.v1"
        case contactLinked = "conversation.contact_linked.v1"
        case markedRead = "conversation.marked_read.v1"
        case filtered = "conversation.filtered.v1"
        case messageFiltered = "conversation.message_filtered.v1"
        case botSessionStarted = "conversation.bot_session_started.v1"
        case botReplied = "conversation.bot_replied.v1"
        case botEmailCaptured = "conversation.bot_email_captured.v1"
        case botHandedOff = "conversation.bot_handed_off.v1"
        case botResolved = "conversation.bot_resolved.v1"
    }

    public var tag: Tag {
        switch self {
        case .started: .started
        case .messageReceived: .messageReceived
        case .replyPosted: .replyPosted
        case .assigned: .assigned
        case .commentAdded: .commentAdded
        case .closed: .closed
        case .reopened: .reopened
        case .contactLinked: .contactLinked
        case .markedRead: .markedRead
        case .filtered: .filtered
        case .messageFiltered: .messageFiltered
        case .botSessionStarted: .botSessionStarted
        case .botReplied: .botReplied
        case .botEmailCaptured: .botEmailCaptured
        case .botHandedOff: .botHandedOff
        case .botResolved: .botResolved
        }
    }

    public var payload: Data {
        switch self {
        case .started(let data): PayloadCoding.encode(data)
        case .messageReceived(let data): PayloadCoding.encode(data)
        case .replyPosted(let data): PayloadCoding.encode(data)
        case .assigned(let data): PayloadCoding.encode(data)
        case .commentAdded(let data): PayloadCoding.encode(data)
        case .closed(let data): PayloadCoding.encode(data)
        case .reopened(let data): PayloadCoding.encode(data)
        case .contactLinked(let data): PayloadCoding.encode(data)
        case .markedRead(let data): PayloadCoding.encode(data)
        case .filtered(let data): PayloadCoding.encode(data)
        case .messageFiltered(let data): PayloadCoding.encode(data)
        case .botSessionStarted(let data): PayloadCoding.encode(data)
        case .botReplied(let data): PayloadCoding.encode(data)
        case .botEmailCaptured(let data): PayloadCoding.encode(data)
        case .botHandedOff(let data): PayloadCoding.encode(data)
        case .botResolved(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .started: self = .started(try PayloadCoding.decode(Started.self, from: payload))
        case .messageReceived: self = .messageReceived(try PayloadCoding.decode(MessageReceived.self, from: payload))
        case .replyPosted: self = .replyPosted(try PayloadCoding.decode(ReplyPosted.self, from: payload))
        case .assigned: self = .assigned(try PayloadCoding.decode(Assigned.self, from: payload))
        case .commentAdded: self = .commentAdded(try PayloadCoding.decode(CommentAdded.self, from: payload))
        case .closed: self = .closed(try PayloadCoding.decode(Closed.self, from: payload))
        case .reopened: self = .reopened(try PayloadCoding.decode(Reopened.self, from: payload))
        case .contactLinked: self = .contactLinked(try PayloadCoding.decode(ContactLinked.self, from: payload))
        case .markedRead: self = .markedRead(try PayloadCoding.decode(MarkedRead.self, from: payload))
        case .filtered: self = .filtered(try PayloadCoding.decode(Filtered.self, from: payload))
        case .messageFiltered: self = .messageFiltered(try PayloadCoding.decode(MessageReceived.self, from: payload))
        case .botSessionStarted: self = .botSessionStarted(try PayloadCoding.decode(BotSessionStarted.self, from: payload))
        case .botReplied: self = .botReplied(try PayloadCoding.decode(BotReplied.self, from: payload))
        case .botEmailCaptured: self = .botEmailCaptured(try PayloadCoding.decode(BotEmailCaptured.self, from: payload))
        case .botHandedOff: self = .botHandedOff(try PayloadCoding.decode(BotHandedOff.self, from: payload))
        case .botResolved: self = .botResolved(try PayloadCoding.decode(BotResolved.self, from: payload))
        }
    }

    /// The stream of conversation `id`.
    public static func stream(_ id: String) -> StreamID { StreamID(category: "conversation", id: id) }
}
