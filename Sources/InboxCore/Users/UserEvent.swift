import Foundation

/// What a user can be allowed to do.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Everything.
    case admin
    /// Work in the inboxes they are a member of, and their own preferences.
    case agent
}

/// Events of the `user-<id>` streams.
public enum UserEvent: EventFamily {
    case registered(Registered)
    case tokenIssued(TokenIssued)
    case availabilityChanged(AvailabilityChanged)
    case emailClaimed(EmailClaimed)

    /// A user account was created.
    public struct Registered: Codable, Sendable, Equatable {
        public var userId: String
        public var name: String
        public var email: String
        public var role: Role

        public init(userId: String, name: String, email: String, role: Role) {
            self.userId = userId
            self.name = name
            self.email = email
            self.role = role
        }
    }

    /// An API token was issued to a user. Only its SHA-256 digest is kept; the token is shown once.
    public struct TokenIssued: Codable, Sendable, Equatable {
        public var userId: String
        public var tokenId: String
        /// Lowercase hex SHA-256 of the token.
        public var tokenHash: String

        public init(userId: String, tokenId: String, tokenHash: String) {
            self.userId = userId
            self.tokenId = tokenId
            self.tokenHash = tokenHash
        }
    }

    /// The user marked themselves (or was marked) available for routing, or not.
    public struct AvailabilityChanged: Codable, Sendable, Equatable {
        public var userId: String
        public var available: Bool
    }

    /// A user's email, claimed on the `userEmail-<email>` stream so that no two users share it.
    public struct EmailClaimed: Codable, Sendable, Equatable {
        public var userId: String
        public var email: String
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case registered = "user.registered.v1"
        case tokenIssued = "user.token_issued.v1"
        case availabilityChanged = "user.availability_changed.v1"
        case emailClaimed = "user.email_claimed.v1"
    }

    public var tag: Tag {
        switch self {
        case .registered: .registered
        case .tokenIssued: .tokenIssued
        case .availabilityChanged: .availabilityChanged
        case .emailClaimed: .emailClaimed
        }
    }

    /// The payload as stored in the log.
    public var payload: Data {
        switch self {
        case .registered(let data): PayloadCoding.encode(data)
        case .tokenIssued(let data): PayloadCoding.encode(data)
        case .availabilityChanged(let data): PayloadCoding.encode(data)
        case .emailClaimed(let data): PayloadCoding.encode(data)
        }
    }

    /// Reads an event back from its type tag and payload; nil for a type this enum does not own.
    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .registered: self = .registered(try PayloadCoding.decode(Registered.self, from: payload))
        case .tokenIssued: self = .tokenIssued(try PayloadCoding.decode(TokenIssued.self, from: payload))
        case .availabilityChanged:
            self = .availabilityChanged(try PayloadCoding.decode(AvailabilityChanged.self, from: payload))
        case .emailClaimed: self = .emailClaimed(try PayloadCoding.decode(EmailClaimed.self, from: payload))
        }
    }

    /// The stream of user `id`.
    public static func stream(_ id: String) -> StreamID { StreamID(category: "user", id: id) }

    /// The stream that reserves a (normalised) email for one user.
    public static func emailStream(_ email: String) -> StreamID {
        KeyedStreams.stream(category: "userEmail", key: EmailAddress.normalize(email))
    }
}
