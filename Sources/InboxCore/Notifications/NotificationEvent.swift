import Foundation

/// Where a user wants to hear about each kind of thing that concerns them.
public struct NotificationPreferences: Codable, Sendable, Equatable {
    /// Delivery channels a preference can name.
    public enum Channel: String, Codable, Sendable, CaseIterable {
        case inApp, email
    }

    /// A conversation was assigned to me (by someone else).
    public var assigned: [Channel]
    /// A contact wrote on a conversation assigned to me.
    public var newMessage: [Channel]
    /// Someone mentioned me in a comment.
    public var mention: [Channel]

    public init(assigned: [Channel], newMessage: [Channel], mention: [Channel]) {
        self.assigned = assigned
        self.newMessage = newMessage
        self.mention = mention
    }

    /// Before a user says otherwise: everything in the app, and email for what needs them personally.
    public static let defaults = NotificationPreferences(assigned: [.inApp, .email], newMessage: [.inApp], mention: [.inApp, .email])
}

/// Events of notification preferences (on `user-<id>`), of reading notifications (`notifications-<userId>`) and
/// of notification emails (`notificationEmail-<userId>`).
public enum NotificationEvent: EventFamily {
    case preferencesChanged(PreferencesChanged)
    case read(Read)
    case emailSent(EmailSent)
    case emailAbandoned(EmailAbandoned)

    public struct PreferencesChanged: Codable, Sendable, Equatable {
        public var userId: String
        public var preferences: NotificationPreferences

        public init(userId: String, preferences: NotificationPreferences) {
            self.userId = userId
            self.preferences = preferences
        }
    }

    /// The user has seen these notifications.
    public struct Read: Codable, Sendable, Equatable {
        public var userId: String
        public var notificationIds: [String]

        public init(userId: String, notificationIds: [String]) {
            self.userId = userId
            self.notificationIds = notificationIds
        }
    }

    /// One email told the user of these notifications (ids as the feed names them).
    public struct EmailSent: Codable, Sendable, Equatable {
        public var userId: String
        public var notificationIds: [String]
        public var to: String
        /// The relay's final reply.
        public var response: String
        public var at: Date

        public init(userId: String, notificationIds: [String], to: String, response: String, at: Date) {
            self.userId = userId
            self.notificationIds = notificationIds
            self.to = to
            self.response = response
            self.at = at
        }
    }

    /// These notifications will not be emailed: the user has no usable address, or the relay kept refusing.
    public struct EmailAbandoned: Codable, Sendable, Equatable {
        public var userId: String
        public var notificationIds: [String]
        public var reason: String
        public var attempts: Int
        public var at: Date

        public init(userId: String, notificationIds: [String], reason: String, attempts: Int, at: Date) {
            self.userId = userId
            self.notificationIds = notificationIds
            self.reason = reason
            self.attempts = attempts
            self.at = at
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case preferencesChanged = "notification.preferences_changed.v1"
        case read = "notification.read.v1"
        case emailSent = "notification.email_sent.v1"
        case emailAbandoned = "notification.email_abandoned.v1"
    }

    public var tag: Tag {
        switch self {
        case .preferencesChanged: .preferencesChanged
        case .read: .read
        case .emailSent: .emailSent
        case .emailAbandoned: .emailAbandoned
        }
    }

    public var payload: Data {
        switch self {
        case .preferencesChanged(let data): PayloadCoding.encode(data)
        case .read(let data): PayloadCoding.encode(data)
        case .emailSent(let data): PayloadCoding.encode(data)
        case .emailAbandoned(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .preferencesChanged: self = .preferencesChanged(try PayloadCoding.decode(PreferencesChanged.self, from: payload))
        case .read: self = .read(try PayloadCoding.decode(Read.self, from: payload))
        case .emailSent: self = .emailSent(try PayloadCoding.decode(EmailSent.self, from: payload))
        case .emailAbandoned: self = .emailAbandoned(try PayloadCoding.decode(EmailAbandoned.self, from: payload))
        }
    }

    /// The stream of a user's reads.
    public static func readStream(_ userId: String) -> StreamID { StreamID(category: "notifications", id: userId) }

    /// The stream of the emails that told a user of their notifications.
    public static func emailStream(_ userId: String) -> StreamID { StreamID(category: "notificationEmail", id: userId) }
}

/// Who hears about an event, and of what kind: the rules of in-app (and later email) notifications.
public enum Notifications {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case assigned, newMessage, mention
    }

    /// The users `event` concerns and why. `assigneeOf` answers a conversation's assignee before the event.
    /// Nobody is told about their own doing.
    public static func recipients(
        of event: ConversationEvent, actor: ActorRef, assigneeOf: (String) throws -> String?
    ) rethrows -> [(userId: String, kind: Kind, conversationId: String)] {
        let actorUser = actor.kind == .user ? actor.id : nil
        switch event {
        case .assigned(let assigned):
            guard let userId = assigned.assigneeId, userId != actorUser else { return [] }
            return [(userId, .assigned, assigned.conversationId)]
        case .messageReceived(let message):
            return try newMessageRecipients(conversationId: message.conversationId, assigneeOf: assigneeOf)
        case .commentAdded(let comment):
            return comment.mentions.filter { $0 != comment.authorId }.map { ($0, .mention, comment.conversationId) }
        default:
            return []
        }
    }

    /// Who hears of a new message: the conversation's assignee. Needs nothing from the message itself, so
    /// projections can answer it from the stream name without decoding the payload.
    public static func newMessageRecipients(
        conversationId: String, assigneeOf: (String) throws -> String?
    ) rethrows -> [(userId: String, kind: Kind, conversationId: String)] {
        guard let userId = try assigneeOf(conversationId) else { return [] }
        return [(userId, .newMessage, conversationId)]
    }

    public static func setPreferences(userId: String, _ preferences: NotificationPreferences, by actor: ActorRef) -> AppendBatch {
        AppendBatch([
            NotificationEvent.preferencesChanged(.init(userId: userId, preferences: preferences))
                .proposed(to: UserEvent.stream(userId), by: actor)
        ])
    }

    public static func markRead(userId: String, notificationIds: [String], by actor: ActorRef) -> AppendBatch {
        AppendBatch([
            NotificationEvent.read(.init(userId: userId, notificationIds: notificationIds))
                .proposed(to: NotificationEvent.readStream(userId), by: actor)
        ])
    }
}

extension NotificationPreferences {
    /// The channels chosen for `kind`.
    public func channels(for kind: Notifications.Kind) -> [Channel] {
        switch kind {
        case .assigned: assigned
        case .newMessage: newMessage
        case .mention: mention
        }
    }
}
