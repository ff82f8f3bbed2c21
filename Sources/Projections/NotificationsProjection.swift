import Foundation
import InboxCore
import LMDB

/// A notification as the feed shows it.
public struct NotificationView: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var conversationId: String
    public var at: Date
    public var read: Bool
}

/// Each user's in-app notifications, newest first, and the ones waiting to be emailed, following their
/// preferences as they stood when the event happened. Keeps what deciding who to tell needs: preferences and each
/// conversation's assignee.
public final class NotificationsProjection: Projection {
    public let name = "notifications"
    public let version: UInt32 = 2

    /// `<userId>\0<newest-first position><kind>` -> notification.
    let items: Database
    /// `<userId>\0<notification id>` -> its key in `items`.
    let ids: Database
    let preferences: Database
    /// Conversation id -> assignee id.
    let assignees: Database
    /// `<userId>\0<position><kind>` -> PendingNotificationEmail, oldest first.
    let emailPending: Database
    /// User id -> when their last notification email left.
    let emailSentAt: Database

    public init(environment: Environment) throws {
        items = try environment.openDatabase("notifications.items")
        ids = try environment.openDatabase("notifications.ids")
        preferences = try environment.openDatabase("notifications.preferences")
        assignees = try environment.openDatabase("notifications.assignees")
        emailPending = try environment.openDatabase("notifications.emailPending")
        emailSentAt = try environment.openDatabase("notifications.emailSentAt")
    }

    public func handles(_ type: String) -> Bool {
        NotificationEvent.owns(type) || type == ConversationEvent.Tag.assigned.rawValue
            || type == ConversationEvent.Tag.messageReceived.rawValue || type == ConversationEvent.Tag.commentAdded.rawValue
    }

    public func reset(in txn: borrowing WriteTransaction) throws {
        for database in [items, ids, preferences, assignees, emailPending, emailSentAt] { try txn.clear(database) }
    }

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if let notificationEvent = try NotificationEvent(event) {
            switch notificationEvent {
            case .preferencesChanged(let changed):
                try ViewCoding.put(changed.preferences, preferences, changed.userId, in: txn)
            case .read(let read):
                for id in read.notificationIds { try markRead(userId: read.userId, id: id, in: txn) }
            case .emailSent(let sent):
                try dropPendingEmails(userId: sent.userId, ids: sent.notificationIds, in: txn)
                try ViewCoding.put(sent.at, emailSentAt, sent.userId, in: txn)
            case .emailAbandoned(let abandoned):
                try dropPendingEmails(userId: abandoned.userId, ids: abandoned.notificationIds, in: txn)
            }
            return
        }
        // Half the log is inbound messages: their recipients follow from the stream, so skip decoding them.
        let conversationEvent: ConversationEvent?
        let recipients: [(userId: String, kind: Notifications.Kind, conversationId: String)]
        if event.type == ConversationEvent.Tag.messageReceived.rawValue, event.streamId.category == "conversation" {
            conversationEvent = nil
            recipients = try Notifications.newMessageRecipients(conversationId: String(event.streamId.id)) {
                try assignee(of: $0, in: txn)
            }
        } else {
            guard let decoded = try ConversationEvent(event) else { return }
            conversationEvent = decoded
            recipients = try Notifications.recipients(of: decoded, actor: event.actor) { try assignee(of: $0, in: txn) }
        }
        for recipient in recipients {
            let channels = try preferences(of: recipient.userId, in: txn).channels(for: recipient.kind)
            let id = "\(event.position).\(recipient.kind.rawValue)"
            if channels.contains(.inApp) {
                let key = ViewCoding.component(recipient.userId) + ViewCoding.bigEndian(UInt64.max - event.position)
                    + Array(recipient.kind.rawValue.utf8)
                let view = NotificationView(
                    id: id, kind: recipient.kind.rawValue, conversationId: recipient.conversationId, at: event.recordedAt,
                    read: false)
                try txn.put(items, key: key, value: try ViewCoding.encode(view))
                try txn.put(ids, key: ViewCoding.component(recipient.userId) + Array(id.utf8), value: key)
            }
            if channels.contains(.email) {
                // Only now is a message worth decoding: its excerpt goes in the email.
                let decoded = try conversationEvent ?? ConversationEvent(event)
                let pending = PendingNotificationEmail.make(
                    id: id, kind: recipient.kind, conversationId: recipient.conversationId, event: decoded,
                    actor: event.actor, at: event.recordedAt)
                try txn.put(emailPending, key: Self.pendingKey(userId: recipient.userId, id: id), value: try ViewCoding.encode(pending))
            }
        }
        if case .assigned(let assigned)? = conversationEvent {
            let key = Array(assigned.conversationId.utf8)
            if let assigneeId = assigned.assigneeId {
                try txn.put(assignees, key: key, value: Array(assigneeId.utf8))
            } else {
                _ = try txn.delete(assignees, key: key)
            }
        }
    }

    private func assignee(of conversationId: String, in txn: borrowing WriteTransaction) throws -> String? {
        try txn.value(assignees, for: Array(conversationId.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `<userId>\0<position><kind>` from a notification id `<position>.<kind>`: oldest first per user.
    static func pendingKey(userId: String, id: String) -> [UInt8] {
        let parts = id.split(separator: ".", maxSplits: 1)
        let position = parts.first.flatMap { UInt64($0) } ?? 0
        return ViewCoding.component(userId) + ViewCoding.bigEndian(position) + Array((parts.last ?? "").utf8)
    }

    private func dropPendingEmails(userId: String, ids: [String], in txn: borrowing WriteTransaction) throws {
        for id in ids { _ = try txn.delete(emailPending, key: Self.pendingKey(userId: userId, id: id)) }
    }

    private func markRead(userId: String, id: String, in txn: borrowing WriteTransaction) throws {
        guard let key = try txn.value(ids, for: ViewCoding.component(userId) + Array(id.utf8)).map({ Array($0) }),
            var view = try txn.value(items, for: key).map({ try ViewCoding.decode(NotificationView.self, $0) }),
            !view.read
        else { return }
        view.read = true
        try txn.put(items, key: key, value: try ViewCoding.encode(view))
    }
}

extension NotificationsProjection {
    /// A user's notifications, newest first, `limit` at most after the key `after`.
    public func notifications(
        of userId: String, unreadOnly: Bool, limit: Int, after: [UInt8]?, in txn: borrowing ReadTransaction
    ) throws -> (items: [NotificationView], nextKey: [UInt8]?) {
        try ViewCoding.page(items, prefix: ViewCoding.component(userId), limit: limit, after: after, in: txn) { _, value -> NotificationView? in
            let view = try ViewCoding.decode(NotificationView.self, value)
            return unreadOnly && view.read ? nil : view
        }
    }

    /// The preferences `userId` set, or the defaults.
    public func preferences(of userId: String, in txn: borrowing some Transaction & ~Copyable) throws -> NotificationPreferences {
        try ViewCoding.row(NotificationPreferences.self, preferences, userId, in: txn) ?? .defaults
    }

    /// Every notification waiting to be emailed, grouped by user, oldest first.
    public func pendingEmails(in txn: borrowing ReadTransaction) throws -> [(userId: String, items: [PendingNotificationEmail])] {
        try txn.withCursor(emailPending) { cursor in
            var groups: [(userId: String, items: [PendingNotificationEmail])] = []
            var entry = try cursor.first()
            while let current = entry {
                let userId = String(decoding: current.key.prefix { $0 != 0 }, as: UTF8.self)
                let item = try ViewCoding.decode(PendingNotificationEmail.self, current.value)
                if groups.last?.userId == userId {
                    groups[groups.count - 1].items.append(item)
                } else {
                    groups.append((userId, [item]))
                }
                entry = try cursor.next()
            }
            return groups
        }
    }

    /// When `userId`'s last notification email left.
    public func lastEmailedAt(_ userId: String, in txn: borrowing ReadTransaction) throws -> Date? {
        try ViewCoding.row(Date.self, emailSentAt, userId, in: txn)
    }

    /// Whether `id` names one of `userId`'s notifications.
    public func exists(_ id: String, of userId: String, in txn: borrowing ReadTransaction) throws -> Bool {
        try txn.value(ids, for: ViewCoding.component(userId) + Array(id.utf8)) != nil
    }
}
