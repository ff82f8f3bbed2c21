import Foundation
import InboxCore
import Projections

/// The JSON shapes of API.md. Times are RFC 3339 strings; absent values are `null` where API.md lists them.
struct UserJSON: Encodable, Sendable, Equatable {
    var id: String
    var name: String
    var email: String
    var role: String
    var available: Bool

    init(_ user: UserView) {
        id = user.id
        name = user.name
        email = user.email
        role = user.role.rawValue
        available = user.available
    }
}

struct TeamJSON: Encodable, Sendable, Equatable {
    var id: String
    var name: String
    var memberIds: [String]

    init(_ team: TeamView) {
        id = team.id
        name = team.name
        memberIds = team.memberIds
    }
}

struct InboxJSON: Encodable, Sendable, Equatable {
    struct Routing: Encodable, Sendable, Equatable {
        var mode: String
        var userIds: [String]
        @Nullable var teamId: String?
        var onlyAvailable: Bool

        init(_ rule: RoutingRule) {
            mode = rule.mode.rawValue
            userIds = rule.userIds
            teamId = rule.teamId
            onlyAvailable = rule.onlyAvailable
        }
    }

    struct EmailFilters: Encodable, Sendable, Equatable {
        var blockedSenders: [String]
        var blockedDomains: [String]
        var dropAutoReplies: Bool

        init(_ filters: InboxCore.EmailFilters) {
            blockedSenders = filters.blockedSenders
            blockedDomains = filters.blockedDomains
            dropAutoReplies = filters.dropAutoReplies
        }
    }

    var id: String
    var name: String
    var memberIds: [String]
    var teamIds: [String]
    var fallbackEmail: String
    var routing: Routing
    var emailFilters: EmailFilters

    init(_ inbox: InboxView) {
        id = inbox.id
        name = inbox.name
        memberIds = inbox.memberIds
        teamIds = inbox.teamIds
        fallbackEmail = inbox.fallbackEmail
        routing = Routing(inbox.routing)
        emailFilters = EmailFilters(inbox.emailFilters)
    }
}

struct ChannelJSON: Encodable, Sendable, Equatable {
    var id: String
    var inboxId: String
    var type: String
    var name: String?
    var address: String?
    var bot: ChatBotConfig?
    var pageId: String?
    var fields: [FormFieldSpec]?

    init(_ channel: ChannelView) {
        id = channel.id
        inboxId = channel.inboxId
        type = channel.type
        name = channel.name
        address = channel.address
        bot = channel.bot
        pageId = channel.pageId
        fields = channel.fields
    }
}

struct ConversationSummaryJSON: Encodable, Sendable, Equatable {
    var id: String
    var inboxId: String
    var channelId: String
    var channelType: String
    var status: String
    @Nullable var assigneeId: String?
    @Nullable var contactId: String?
    @Nullable var subject: String?
    var preview: String
    var lastMessageAt: String
    var unread: Bool
    var version: UInt64

    init(_ record: ConversationRecord, for userId: String) {
        id = record.id
        inboxId = record.inboxId
        channelId = record.channelId
        channelType = record.channelType
        status = record.status
        assigneeId = record.assigneeId
        contactId = record.contactId
        subject = record.subject
        preview = record.preview
        lastMessageAt = Timestamps.format(record.lastMessageAt)
        unread = record.unread(for: userId)
        version = record.version
    }
}

struct MessageJSON: Encodable, Sendable, Equatable {
    var id: String
    var direction: String
    var authorType: String
    @Nullable var authorId: String?
    var text: String
    var html: String?
    var at: String
    @Nullable var delivery: String?
    /// Why delivery failed, or why the last try did (while a retry is due).
    var deliveryError: String?
    var attachments: [AttachmentJSON]?

    struct AttachmentJSON: Encodable, Sendable, Equatable {
        var name: String?
        var contentType: String
        var size: Int
        var inline: Bool
        var contentId: String?
        /// Where its bytes are served (API path, under `/api/v1`).
        var url: String
    }

    /// Inbound messages are credited to the conversation's contact as it is now (it may be linked later).
    init(_ message: MessageView, contactId: String?, conversationId: String) {
        id = message.id
        direction = message.direction
        authorType = message.authorType
        authorId = message.direction == "inbound" ? contactId : message.authorId
        text = message.text
        html = message.html
        at = Timestamps.format(message.at)
        delivery = message.delivery
        deliveryError = message.deliveryError
        attachments = message.attachments.map { attachments in
            attachments.enumerated().map { index, attachment in
                AttachmentJSON(
                    name: attachment.name, contentType: attachment.contentType, size: attachment.size, inline: attachment.inline,
                    contentId: attachment.contentId,
                    url: "/api/v1/conversations/\(conversationId)/messages/\(message.id)/attachments/\(index)")
            }
        }
    }
}

struct CommentJSON: Encodable, Sendable, Equatable {
    var id: String
    var authorId: String
    var text: String
    var mentions: [String]
    var at: String

    init(_ comment: CommentView) {
        id = comment.id
        authorId = comment.authorId
        text = comment.text
        mentions = comment.mentions
        at = Timestamps.format(comment.at)
    }
}

struct ConversationDetailJSON: Encodable, Sendable {
    var summary: ConversationSummaryJSON
    var messages: [MessageJSON]
    var comments: [CommentJSON]

    private enum CodingKeys: String, CodingKey { case messages, comments }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        try container.encode(comments, forKey: .comments)
    }
}

struct ContactJSON: Encodable, Sendable, Equatable {
    var id: String
    @Nullable var email: String?
    @Nullable var name: String?
    @Nullable var phone: String?
    @Nullable var company: String?
    var createdAt: String

    init(_ contact: ContactView) {
        id = contact.id
        email = contact.email
        name = contact.name
        phone = contact.phone
        company = contact.company
        createdAt = Timestamps.format(contact.createdAt)
    }
}

struct ContactDetailJSON: Encodable, Sendable {
    var contact: ContactJSON
    var conversations: [ConversationSummaryJSON]

    private enum CodingKeys: String, CodingKey { case conversations }

    func encode(to encoder: any Encoder) throws {
        try contact.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(conversations, forKey: .conversations)
    }
}

struct TimelineItemJSON: Encodable, Sendable, Equatable {
    var at: String
    var kind: String
    var conversationId: String
    var channelType: String
    var text: String
}

/// API.md's list shape.
struct ListJSON<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
    @Nullable var nextCursor: String?

    init(items: [Item], nextCursor: String? = nil) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Nullable where Value == String {
    init() { self.init(wrappedValue: nil) }
}
