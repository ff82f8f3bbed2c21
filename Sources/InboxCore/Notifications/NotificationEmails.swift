import Foundation

/// A notification waiting to be emailed: what the email needs that the log will not tell cheaply later.
public struct PendingNotificationEmail: Codable, Sendable, Equatable {
    /// The feed's id for the same notification (`<position>.<kind>`).
    public var id: String
    public var kind: Notifications.Kind
    public var conversationId: String
    public var at: Date
    /// The user who assigned or mentioned; nil for a contact's message.
    public var byUserId: String?
    /// The start of the message or comment.
    public var excerpt: String?

    public init(id: String, kind: Notifications.Kind, conversationId: String, at: Date, byUserId: String?, excerpt: String?) {
        self.id = id
        self.kind = kind
        self.conversationId = conversationId
        self.at = at
        self.byUserId = byUserId
        self.excerpt = excerpt
    }

    /// The pending email for `recipient` of `event` (nil `event`: a message whose payload was not decoded).
    public static func make(
        id: String, kind: Notifications.Kind, conversationId: String, event: ConversationEvent?, actor: ActorRef, at: Date
    ) -> PendingNotificationEmail {
        var byUserId: String?
        var excerpt: String?
        switch event {
        case .assigned?:
            byUserId = actor.kind == .user ? actor.id : nil
        case .commentAdded(let comment)?:
            byUserId = comment.authorId
            excerpt = NotificationDigest.excerpt(comment.text)
        case .messageReceived(let message)?:
            excerpt = NotificationDigest.excerpt(message.text)
        default:
            break
        }
        return PendingNotificationEmail(
            id: id, kind: kind, conversationId: conversationId, at: at, byUserId: byUserId, excerpt: excerpt)
    }
}

/// When a user's notification email goes out: a busy conversation gathers into one email rather than many.
public struct NotificationEmailPolicy: Sendable, Equatable {
    /// How long the oldest pending notification waits for others to join it.
    public var gatherFor: Duration
    /// At most one email per user this often.
    public var minimumInterval: Duration
    /// When a refused email is tried again; after the last the notifications are abandoned.
    public var retryDelays: [Duration]

    /// Two minutes to gather, one email per user per ten minutes, retries over about an hour and a half.
    public static let standard = NotificationEmailPolicy(
        gatherFor: .seconds(120), minimumInterval: .seconds(600),
        retryDelays: [.seconds(60), .seconds(300), .seconds(900), .seconds(1_800), .seconds(3_600)])

    public init(gatherFor: Duration, minimumInterval: Duration, retryDelays: [Duration]) {
        self.gatherFor = gatherFor
        self.minimumInterval = minimumInterval
        self.retryDelays = retryDelays
    }

    /// When the email for notifications pending since `oldestPending` is due.
    public func dueAt(oldestPending: Date, lastSentAt: Date?) -> Date {
        let gathered = oldestPending.addingTimeInterval(gatherFor.timeInterval)
        guard let lastSentAt else { return gathered }
        return max(gathered, lastSentAt.addingTimeInterval(minimumInterval.timeInterval))
    }

    /// When to try again after failed try number `attempt` (1-based); nil when it was the last.
    public func retryAt(afterAttempt attempt: Int, now: Date) -> Date? {
        guard attempt >= 1, attempt <= retryDelays.count else { return nil }
        return now.addingTimeInterval(retryDelays[attempt - 1].timeInterval)
    }
}


/// The words of a notification email.
public enum NotificationDigest {
    /// One notification with the names it mentions resolved.
    public struct Item: Sendable, Equatable {
        public var kind: Notifications.Kind
        public var conversationId: String
        public var subject: String?
        /// Who the conversation is with.
        public var contactName: String?
        /// Who assigned or mentioned.
        public var actorName: String?
        public var excerpt: String?
        public var at: Date

        public init(
            kind: Notifications.Kind, conversationId: String, subject: String?, contactName: String?, actorName: String?,
            excerpt: String?, at: Date
        ) {
            self.kind = kind
            self.conversationId = conversationId
            self.subject = subject
            self.contactName = contactName
            self.actorName = actorName
            self.excerpt = excerpt
            self.at = at
        }
    }

    /// The subject and plain text of one email telling of `items` (oldest first).
    public static func compose(items: [Item]) -> (subject: String, text: String) {
        let subject = items.count == 1 ? headline(items[0]) : "\(items.count) updates in your Switchboard inbox"
        var lines: [String] = []
        for item in items {
            lines.append("- " + headline(item) + " (conversation \(item.conversationId))")
            if let excerpt = item.excerpt, !excerpt.isEmpty {
                lines += excerpt.split(separator: "\n", omittingEmptySubsequences: false).map { "  > " + $0 }
            }
        }
        lines += ["", "You get these emails because of your notification preferences; change them in Switchboard."]
        return (subject, lines.joined(separator: "\n"))
    }

    static func headline(_ item: Item) -> String {
        let about = item.subject.map { "\u{201C}\($0)\u{201D}" } ?? item.contactName.map { "the conversation with \($0)" }
            ?? "a conversation"
        switch item.kind {
        case .assigned:
            return item.actorName.map { "\($0) assigned you \(about)" } ?? "You were assigned \(about)"
        case .newMessage:
            return "New message from \(item.contactName ?? "a contact") on \(about)"
        case .mention:
            return "\(item.actorName ?? "Someone") mentioned you on \(about)"
        }
    }

    /// At most `limit` characters of `text`, cut at a word where one is near, marked when cut.
    public static func excerpt(_ text: String, limit: Int = 280) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count > limit else { return trimmed }
        let cut = trimmed.prefix(limit)
        let atWord = cut.lastIndex(where: \.isWhitespace).map { cut[..<$0] } ?? cut
        return (atWord.count >= limit / 2 ? atWord : cut).trimmingCharacters(in: .whitespacesAndNewlines) + "\u{2026}"
    }
}
