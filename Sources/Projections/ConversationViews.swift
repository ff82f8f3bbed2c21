import Foundation
import InboxCore

/// A conversation as the views store it: the summary API.md lists, plus what computing it needs.
public struct ConversationRecord: Codable, Sendable, Equatable {
    public var id: String
    public var inboxId: String
    public var channelId: String
    public var channelType: String
    public var status: String
    public var assigneeId: String?
    public var contactId: String?
    public var subject: String?
    public var preview: String
    public var lastMessageAt: Date
    public var version: UInt64
    public var visitor: Visitor
    public var inboundMessages: Int
    /// For each user, how many inbound messages they have read.
    public var readBy: [String: Int]
    public var messageCount: Int
    public var commentCount: Int

    /// Whether `userId` has inbound messages they have not read.
    public func unread(for userId: String) -> Bool { (readBy[userId] ?? 0) < inboundMessages }
}

/// A message in a conversation.
public struct MessageView: Codable, Sendable, Equatable {
    public var id: String
    public var direction: String
    public var authorType: String
    public var authorId: String?
    public var text: String
    public var html: String?
    public var subject: String?
    public var at: Date
    public var delivery: String?
    /// Why the last delivery try failed (a failed delivery, or one waiting for its retry).
    public var deliveryError: String?
    public var attachments: [Attachment]?
    /// The email's `Message-ID`, ours for replies: what a reply names in `In-Reply-To`.
    public var emailMessageId: String?
    /// The email's `References`, which a reply continues.
    public var emailReferences: [String]?
    /// The channel's id of an inbound message (a chat widget's `<visitorId>/<clientMessageId>`).
    public var externalMessageId: String?
}

extension MessageView {
    init(_ message: ConversationEvent.MessageReceived, authorId: String?) {
        self.init(
            id: message.messageId, direction: "inbound", authorType: "contact", authorId: authorId, text: message.text,
            html: message.html, subject: message.subject, at: message.at, delivery: nil, attachments: message.attachments,
            emailMessageId: message.email?.messageId, emailReferences: message.email?.references,
            externalMessageId: message.externalMessageId)
    }

    /// A bot's message: its author is the chat channel whose bot wrote it.
    init(_ reply: ConversationEvent.BotReplied) {
        self.init(
            id: reply.messageId, direction: "outbound", authorType: "bot", authorId: reply.channelId, text: reply.text,
            html: nil, subject: nil, at: reply.at, delivery: nil)
    }

    init(_ reply: ConversationEvent.ReplyPosted) {
        self.init(
            id: reply.messageId, direction: "outbound", authorType: "user", authorId: reply.authorId, text: reply.text,
            html: reply.html, subject: reply.email?.subject, at: reply.postedAt, delivery: reply.delivery,
            emailMessageId: reply.email?.messageId, emailReferences: reply.email?.references)
    }
}

/// An internal comment.
public struct CommentView: Codable, Sendable, Equatable {
    public var id: String
    public var authorId: String
    public var text: String
    public var mentions: [String]
    public var at: Date
}

/// A contact's own fields.
public struct ContactView: Codable, Sendable, Equatable {
    public var id: String
    public var email: String?
    public var name: String?
    public var phone: String?
    public var company: String?
    public var createdAt: Date
}

/// What a conversation list is filtered by (API.md's query parameters, already resolved).
public struct ConversationFilter: Sendable, Equatable {
    public enum Assignee: Sendable, Equatable { case unassigned, user(String) }

    /// The inboxes the caller may see; nil means all (admins).
    public var visibleInboxIds: Set<String>?
    public var inboxId: String?
    public var status: String?
    public var assignee: Assignee?
    public var channelType: String?
    public var contactId: String?
    /// Lowercased words that must all appear in the subject or a message.
    public var words: [String] = []

    public init() {}

    func admits(_ record: ConversationRecord) -> Bool {
        if let visibleInboxIds, !visibleInboxIds.contains(record.inboxId) { return false }
        if let inboxId, record.inboxId != inboxId { return false }
        // Filtered conversations show only when asked for: they are not work.
        if record.status != (status ?? record.status) || (status == nil && record.status == "filtered") { return false }
        switch assignee {
        case .unassigned: if record.assigneeId != nil { return false }
        case .user(let id): if record.assigneeId != id { return false }
        case nil: break
        }
        if let channelType, record.channelType != channelType { return false }
        if let contactId, record.contactId != contactId { return false }
        return true
    }

    /// Whether every word of `q` appears in the conversation's lowercased subject and messages.
    func matches(searchText: String) -> Bool {
        words.allSatisfy { searchText.contains($0) }
    }
}
