import Foundation

/// Events of the `team-<id>` streams.
public enum TeamEvent: EventFamily {
    case created(Created)

    public struct Created: Codable, Sendable, Equatable {
        public var teamId: String
        public var name: String
        public var memberIds: [String]
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case created = "team.created.v1"
    }

    public var tag: Tag { .created }

    public var payload: Data {
        switch self {
        case .created(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .created: self = .created(try PayloadCoding.decode(Created.self, from: payload))
        }
    }

    public static func stream(_ id: String) -> StreamID { StreamID(category: "team", id: id) }
}

/// Events of the `inbox-<id>` streams, and the claim of a fallback address on `inboxAddress-<address>`.
public enum InboxEvent: EventFamily {
    case created(Created)
    case membersChanged(MembersChanged)
    case addressClaimed(AddressClaimed)
    case routingChanged(RoutingChanged)
    case emailFiltersChanged(EmailFiltersChanged)

    public struct Created: Codable, Sendable, Equatable {
        public var inboxId: String
        public var name: String
        /// `<slug>@<mail domain>`: reaches the inbox even with no connected address.
        public var fallbackEmail: String
        public var memberIds: [String]
        public var teamIds: [String]
    }

    public struct MembersChanged: Codable, Sendable, Equatable {
        public var inboxId: String
        public var memberIds: [String]
        public var teamIds: [String]
    }

    public struct AddressClaimed: Codable, Sendable, Equatable {
        public var inboxId: String
        public var address: String
    }

    /// How new conversations of the inbox find an owner (see `Routing`).
    public struct RoutingChanged: Codable, Sendable, Equatable {
        public var inboxId: String
        public var routing: RoutingRule
    }

    /// What the inbox's email filters now are (the whole set, not a change to it).
    public struct EmailFiltersChanged: Codable, Sendable, Equatable {
        public var inboxId: String
        public var filters: EmailFilters
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case created = "inbox.created.v1"
        case membersChanged = "inbox.members_changed.v1"
        case addressClaimed = "inbox.address_claimed.v1"
        case routingChanged = "inbox.routing_changed.v1"
        case emailFiltersChanged = "inbox.email_filters_changed.v1"
    }

    public var tag: Tag {
        switch self {
        case .created: .created
        case .membersChanged: .membersChanged
        case .addressClaimed: .addressClaimed
        case .routingChanged: .routingChanged
        case .emailFiltersChanged: .emailFiltersChanged
        }
    }

    public var payload: Data {
        switch self {
        case .created(let data): PayloadCoding.encode(data)
        case .membersChanged(let data): PayloadCoding.encode(data)
        case .addressClaimed(let data): PayloadCoding.encode(data)
        case .routingChanged(let data): PayloadCoding.encode(data)
        case .emailFiltersChanged(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .created: self = .created(try PayloadCoding.decode(Created.self, from: payload))
        case .membersChanged: self = .membersChanged(try PayloadCoding.decode(MembersChanged.self, from: payload))
        case .addressClaimed: self = .addressClaimed(try PayloadCoding.decode(AddressClaimed.self, from: payload))
        case .routingChanged: self = .routingChanged(try PayloadCoding.decode(RoutingChanged.self, from: payload))
        case .emailFiltersChanged: self = .emailFiltersChanged(try PayloadCoding.decode(EmailFiltersChanged.self, from: payload))
        }
    }

    public static func stream(_ id: String) -> StreamID { StreamID(category: "inbox", id: id) }

    /// The stream that reserves an email address for one inbox.
    public static func addressStream(_ address: String) -> StreamID {
        KeyedStreams.stream(category: "inboxAddress", key: EmailAddress.normalize(address))
    }
}

/// What Switchboard needs to receive and answer a Facebook Page's messages.
public struct MessengerCredentials: Codable, Sendable, Equatable {
    public var pageAccessToken: String
    public var appSecret: String
    public var verifyToken: String

    public init(pageAccessToken: String, appSecret: String, verifyToken: String) {
        self.pageAccessToken = pageAccessToken
        self.appSecret = appSecret
        self.verifyToken = verifyToken
    }
}

/// One field of a form channel, as an admin defines it.
public struct FormFieldSpec: Codable, Sendable, Equatable {
    public var name: String
    public var label: String
    public var required: Bool
    /// `text`, `email` or `textarea`.
    public var kind: String

    public init(name: String, label: String, required: Bool, kind: String) {
        self.name = name
        self.label = label
        self.required = required
        self.kind = kind
    }
}

/// Events of the `channel-<id>` streams, and the keys that deduplicate and thread inbound messages.
public enum ChannelEvent: EventFamily {
    case connected(Connected)
    case messageAccepted(MessageAccepted)
    case threadOpened(ThreadOpened)
    case credentialsSet(CredentialsSet)

    /// A channel was connected to an inbox.
    public struct Connected: Codable, Sendable, Equatable {
        public var channelId: String
        public var inboxId: String
        /// `email`, `chat`, `messenger`, `form` or `custom`.
        public var type: String
        public var name: String?
        public var address: String?
        /// A chat channel's bot.
        public var bot: ChatBotConfig?
        /// A Messenger channel's Facebook Page.
        public var pageId: String?
        /// A form channel's fields, in order.
        public var fields: [FormFieldSpec]?
    }

    /// A channel's secrets (a Messenger Page's tokens): kept apart from `connected` so that every envelope of
    /// this type can be redacted wherever the log is shown.
    public struct CredentialsSet: Codable, Sendable, Equatable {
        public var channelId: String
        public var messenger: MessengerCredentials

        public init(channelId: String, messenger: MessengerCredentials) {
            self.channelId = channelId
            self.messenger = messenger
        }
    }

    /// An inbound message with an external id was accepted (stream `inboundMessage-<channel>/<external id>`):
    /// the same id again is a duplicate.
    public struct MessageAccepted: Codable, Sendable, Equatable {
        public var channelId: String
        public var externalMessageId: String
        public var conversationId: String
        public var messageId: String

        public init(channelId: String, externalMessageId: String, conversationId: String, messageId: String) {
            self.channelId = channelId
            self.externalMessageId = externalMessageId
            self.conversationId = conversationId
            self.messageId = messageId
        }
    }

    /// An external thread became a conversation (stream `inboundThread-<channel>/<external thread id>`).
    public struct ThreadOpened: Codable, Sendable, Equatable {
        public var channelId: String
        public var externalThreadId: String
        public var conversationId: String

        public init(channelId: String, externalThreadId: String, conversationId: String) {
            self.channelId = channelId
            self.externalThreadId = externalThreadId
            self.conversationId = conversationId
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case connected = "channel.connected.v1"
        case messageAccepted = "channel.message_accepted.v1"
        case threadOpened = "channel.thread_opened.v1"
        case credentialsSet = "channel.credentials_set.v1"
    }

    public var tag: Tag {
        switch self {
        case .connected: .connected
        case .messageAccepted: .messageAccepted
        case .threadOpened: .threadOpened
        case .credentialsSet: .credentialsSet
        }
    }

    public var payload: Data {
        switch self {
        case .connected(let data): PayloadCoding.encode(data)
        case .messageAccepted(let data): PayloadCoding.encode(data)
        case .threadOpened(let data): PayloadCoding.encode(data)
        case .credentialsSet(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .connected: self = .connected(try PayloadCoding.decode(Connected.self, from: payload))
        case .messageAccepted: self = .messageAccepted(try PayloadCoding.decode(MessageAccepted.self, from: payload))
        case .threadOpened: self = .threadOpened(try PayloadCoding.decode(ThreadOpened.self, from: payload))
        case .credentialsSet: self = .credentialsSet(try PayloadCoding.decode(CredentialsSet.self, from: payload))
        }
    }

    public static func stream(_ id: String) -> StreamID { StreamID(category: "channel", id: id) }

    public static func messageStream(channelId: String, externalMessageId: String) -> StreamID {
        KeyedStreams.stream(category: "inboundMessage", key: "\(channelId)/\(externalMessageId)")
    }

    /// The key that deduplicates an email by `Message-ID` across every address of one inbox (the same mail sent to
    /// two of them is one message).
    public static func emailStream(inboxId: String, messageId: String) -> StreamID {
        KeyedStreams.stream(category: "inboundEmail", key: "\(inboxId)/\(messageId)")
    }

    public static func threadStream(channelId: String, externalThreadId: String) -> StreamID {
        KeyedStreams.stream(category: "inboundThread", key: "\(channelId)/\(externalThreadId)")
    }
}
