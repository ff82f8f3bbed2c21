import Foundation
import InboxCore
import LMDB

/// A reply waiting for its delivery worker.
public struct OutboxEntry: Codable, Sendable, Equatable {
    public var conversationId: String
    public var messageId: String
    /// Tries so far.
    public var attempts: Int
    /// When the next try is due.
    public var dueAt: Date
    /// Which delivery worker sends it: `email` or `messenger`.
    public var channelType: String
}

extension ConversationsProjection {
    /// Remembers that `messageId` (an email's `Message-ID`) belongs to the conversation, for threading answers.
    func indexEmail(_ messageId: String, of record: ConversationRecord, in txn: borrowing WriteTransaction) throws {
        let key = Self.emailKey(inboxId: record.inboxId, messageId: messageId)
        // LMDB keys stop at 511 bytes; the intake keeps no longer ids, but a view must never fail on one.
        guard key.count <= 511 else { return }
        // The first conversation to hold a Message-ID keeps it: a copy delivered again must not move the thread.
        guard try txn.value(emailMessageIds, for: key) == nil else { return }
        try txn.put(emailMessageIds, key: key, value: Array(record.id.utf8))
    }

    func enqueue(_ reply: ConversationEvent.ReplyPosted, channelType: String, due: Date, in txn: borrowing WriteTransaction) throws {
        let entry = OutboxEntry(
            conversationId: reply.conversationId, messageId: reply.messageId, attempts: 0, dueAt: due, channelType: channelType)
        try ViewCoding.put(entry, outbox, reply.messageId, in: txn)
    }

    func apply(_ event: DeliveryEvent, in txn: borrowing WriteTransaction) throws {
        let delivery: String
        var error: String?
        switch event {
        case .sent:
            delivery = "sent"
            try txn.delete(outbox, key: Array(event.messageId.utf8))
        case .failed(let failed):
            delivery = "failed"
            error = failed.reason
            try txn.delete(outbox, key: Array(event.messageId.utf8))
        case .retryScheduled(let retry):
            delivery = "queued"
            error = retry.reason
            let channelType = try ViewCoding.row(OutboxEntry.self, outbox, retry.messageId, in: txn)?.channelType
                ?? storedRecord(retry.conversationId, in: txn)?.channelType ?? "email"
            let entry = OutboxEntry(
                conversationId: retry.conversationId, messageId: retry.messageId, attempts: retry.attempt, dueAt: retry.retryAt,
                channelType: channelType)
            try ViewCoding.put(entry, outbox, retry.messageId, in: txn)
        }
        try updateMessage(event.messageId, of: event.conversationId, in: txn) { message in
            message.delivery = delivery
            message.deliveryError = error
        }
    }

    /// Rewrites one message row of a conversation (found by scanning its messages: a conversation holds few).
    private func updateMessage(
        _ messageId: String, of conversationId: String, in txn: borrowing WriteTransaction, _ change: (inout MessageView) -> Void
    ) throws {
        let prefix = ViewCoding.component(conversationId)
        let found: ([UInt8], MessageView)? = try txn.withCursor(messages) { cursor in
            var entry = try cursor.seek(atOrAfter: prefix)
            while let current = entry, current.key.starts(with: prefix) {
                let message = try ViewCoding.decode(MessageView.self, current.value)
                if message.id == messageId { return (Array(current.key), message) }
                entry = try cursor.next()
            }
            return nil
        }
        guard var (key, message) = found else { return }
        change(&message)
        try txn.put(messages, key: key, value: try ViewCoding.encode(message))
    }

    static func emailKey(inboxId: String, messageId: String) -> [UInt8] {
        ViewCoding.component(inboxId) + Array(messageId.utf8)
    }

    // MARK: Queries

    /// The conversation of `inboxId` holding the email `messageId` (`<...>`), ours or a contact's.
    public func conversationId(inboxId: String, emailMessageId messageId: String, in txn: borrowing ReadTransaction) throws -> String? {
        let key = Self.emailKey(inboxId: inboxId, messageId: messageId)
        guard key.count <= 511 else { return nil }
        return try txn.value(emailMessageIds, for: key)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every reply waiting for delivery, the soonest due first.
    public func outboxEntries(in txn: borrowing ReadTransaction) throws -> [OutboxEntry] {
        try ViewCoding.rows(OutboxEntry.self, outbox, in: txn).sorted { $0.dueAt < $1.dueAt }
    }
}
