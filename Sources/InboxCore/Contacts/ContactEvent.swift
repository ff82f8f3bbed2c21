import Foundation

/// How a visitor is known on a channel. An identity claimed by a contact resolves to it.
public struct Identity: Codable, Sendable, Hashable {
    /// `email` (any channel), or a channel-scoped id: `external` (custom channels), `chatVisitor`, `messengerPsid`.
    public var kind: String
    public var value: String
    /// For channel-scoped kinds: the channel the id belongs to.
    public var channelId: String?

    public init(kind: String, value: String, channelId: String? = nil) {
        self.kind = kind
        self.value = kind == "email" ? EmailAddress.normalize(value) : value
        self.channelId = kind == "email" ? nil : channelId
    }

    public static func email(_ address: String) -> Identity { Identity(kind: "email", value: address) }

    /// The identities a visitor carries on `channelId`, email first.
    public static func of(_ visitor: Visitor, channelId: String) -> [Identity] {
        var identities: [Identity] = []
        if let email = visitor.email, EmailAddress.isValid(EmailAddress.normalize(email)) { identities.append(.email(email)) }
        if let external = visitor.externalId, !external.isEmpty {
            identities.append(Identity(kind: "external", value: external, channelId: channelId))
        }
        return identities
    }

    /// The stream whose first event says which contact holds this identity.
    public var stream: StreamID {
        KeyedStreams.stream(category: "identity", key: channelId.map { "\(kind):\($0)/\(value)" } ?? "\(kind):\(value)")
    }
}

/// Events of the `contact-<id>` streams, and identity claims on `identity-<key>` streams.
public enum ContactEvent: EventFamily {
    case created(Created)
    case identityClaimed(IdentityClaimed)

    public struct Created: Codable, Sendable, Equatable {
        public var contactId: String
        public var email: String?
        public var name: String?
        public var phone: String?
        public var company: String?
        /// The conversation whose visitor became this contact, if any.
        public var fromConversationId: String?
        public var createdAt: Date
    }

    /// A contact holds this identity from now on: conversations from it belong to the contact.
    public struct IdentityClaimed: Codable, Sendable, Equatable {
        public var contactId: String
        public var identity: Identity
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case created = "contact.created.v1"
        case identityClaimed = "contact.identity_claimed.v1"
    }

    public var tag: Tag {
        switch self {
        case .created: .created
        case .identityClaimed: .identityClaimed
        }
    }

    public var payload: Data {
        switch self {
        case .created(let data): PayloadCoding.encode(data)
        case .identityClaimed(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .created: self = .created(try PayloadCoding.decode(Created.self, from: payload))
        case .identityClaimed: self = .identityClaimed(try PayloadCoding.decode(IdentityClaimed.self, from: payload))
        }
    }

    public static func stream(_ id: String) -> StreamID { StreamID(category: "contact", id: id) }
}
