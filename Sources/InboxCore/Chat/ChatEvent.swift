import Foundation

/// Events of chat visitors (`chatVisitor-<visitorId>`): the token a widget keeps, and what the visitor told
/// about themselves.
public enum ChatEvent: EventFamily {
    case visitorRegistered(VisitorRegistered)
    case visitorIdentified(VisitorIdentified)

    /// A widget opened a chat for the first time; it keeps `<visitorId>.<secret>` and the log keeps the
    /// secret's SHA-256 only.
    public struct VisitorRegistered: Codable, Sendable, Equatable {
        public var channelId: String
        public var visitorId: String
        public var secretHash: String
        public var at: Date

        public init(channelId: String, visitorId: String, secretHash: String, at: Date) {
            self.channelId = channelId
            self.visitorId = visitorId
            self.secretHash = secretHash
            self.at = at
        }
    }

    /// The visitor gave their email (and perhaps name) in the widget.
    public struct VisitorIdentified: Codable, Sendable, Equatable {
        public var channelId: String
        public var visitorId: String
        public var email: String
        public var name: String?
        public var at: Date

        public init(channelId: String, visitorId: String, email: String, name: String?, at: Date) {
            self.channelId = channelId
            self.visitorId = visitorId
            self.email = email
            self.name = name
            self.at = at
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case visitorRegistered = "chat.visitor_registered.v1"
        case visitorIdentified = "chat.visitor_identified.v1"
    }

    public var tag: Tag {
        switch self {
        case .visitorRegistered: .visitorRegistered
        case .visitorIdentified: .visitorIdentified
        }
    }

    public var payload: Data {
        switch self {
        case .visitorRegistered(let data): PayloadCoding.encode(data)
        case .visitorIdentified(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .visitorRegistered: self = .visitorRegistered(try PayloadCoding.decode(VisitorRegistered.self, from: payload))
        case .visitorIdentified: self = .visitorIdentified(try PayloadCoding.decode(VisitorIdentified.self, from: payload))
        }
    }

    public static func stream(_ visitorId: String) -> StreamID { StreamID(category: "chatVisitor", id: visitorId) }
}

/// A chat visitor's token: `<visitorId>.<secret>`, both hex.
public struct ChatVisitorToken: Sendable, Equatable {
    public var visitorId: String
    public var secret: String

    public init(visitorId: String, secret: String) {
        self.visitorId = visitorId
        self.secret = secret
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, (16...64).contains(parts[0].count), parts[1].count == 64,
            parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) })
        else { return nil }
        self.init(visitorId: String(parts[0]), secret: String(parts[1]))
    }

    public var text: String { "\(visitorId).\(secret)" }

    /// What the log keeps of the secret.
    public var secretHash: String { SHA256Digest.hex(secret) }

    /// Whether this token is the one `registered` recorded (compared without early exit).
    public func matches(_ registered: ChatEvent.VisitorRegistered) -> Bool {
        let expected = Array(registered.secretHash.utf8)
        let actual = Array(secretHash.utf8)
        guard expected.count == actual.count, registered.visitorId == visitorId else { return false }
        return zip(expected, actual).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
