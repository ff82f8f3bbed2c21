import EmailChannel
import Foundation
import InboxCore
import LMDB
import Logging
import Projections
import ServiceLifecycle

/// Emails users their notifications through the SMTP relay, gathered per user by `NotificationEmailPolicy` so a
/// busy conversation sends one email, not one per message. Its queue is the notifications view's pending emails
/// (folded from the log, so it survives restarts); each email's outcome is appended on the user's
/// `notificationEmail-` stream, which removes what it told of from the queue. At least once: a crash between
/// the relay's 250 and the append sends that email again.
struct NotificationEmailService: Service {
    let backend: Backend
    let relay: SMTPRelay
    let policy: NotificationEmailPolicy
    let logger: Logger
    static let actor = ActorRef(kind: .system, id: "notification-email")

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.sendWhileRunning() }
        } catch is CancellationError {
        } catch let error as EventLogError where error == .closed {}
    }

    private func sendWhileRunning() async throws {
        // Failed tries per user since the last outcome: a restart starts the count again, never loses an email.
        var failures: [String: (attempts: Int, retryAt: Date)] = [:]
        while !Task.isCancelled {
            do {
                try await sendDue(failures: &failures)
            } catch let error as EventLogError where error != .closed {
                // Stopping mid-append: the email goes again on the next start (at least once).
                if Task.isCancelled { return }
                logger.error("Notification email could not record an outcome", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(5))
            }
        }
    }

    /// Sends every user's email that is due, then waits for new notifications or the next due time.
    private func sendDue(failures: inout [String: (attempts: Int, retryAt: Date)]) async throws {
        let seen = try await backend.log.head()
        try await backend.runner.waitUntilProjected(seen)
        let queue = try backend.read { txn in
            try backend.views.notifications.pendingEmails(in: txn).map { group in
                (group.userId, group.items, try backend.views.notifications.lastEmailedAt(group.userId, in: txn))
            }
        }
        var nextDue: Date?
        for (userId, items, lastSentAt) in queue {
            try Task.checkCancellation()
            guard let oldest = items.first else { continue }
            var due = policy.dueAt(oldestPending: oldest.at, lastSentAt: lastSentAt)
            if let failure = failures[userId] { due = max(due, failure.retryAt) }
            guard due <= Date() else {
                nextDue = min(nextDue ?? due, due)
                continue
            }
            let attempts = (failures[userId]?.attempts ?? 0) + 1
            switch try await email(items, to: userId, attempt: attempts) {
            case .recorded:
                failures[userId] = nil
            case .failed(let retryAt):
                failures[userId] = (attempts, retryAt)
                nextDue = min(nextDue ?? retryAt, retryAt)
            }
        }
        if let nextDue, nextDue <= Date() { return }
        try await backend.waitForCommit(after: seen, until: nextDue)
    }

    private enum Outcome {
        case recorded
        case failed(retryAt: Date)
    }

    /// Sends one email telling `userId` of `items`, and records what became of it.
    private func email(_ items: [PendingNotificationEmail], to userId: String, attempt: Int) async throws -> Outcome {
        let ids = items.map(\.id)
        let (user, digestItems) = try backend.read { txn in
            (try backend.views.directory.user(userId, in: txn), try items.map { try digestItem($0, in: txn) })
        }
        var metadata: Logger.Metadata = ["user.id": "\(userId)", "notifications": "\(items.count)", "email.attempt": "\(attempt)"]
        guard let user, EmailAddress.isValid(user.email) else {
            logger.warning("Notifications not emailed: the user has no usable address", metadata: metadata)
            try await record(.emailAbandoned(.init(
                userId: userId, notificationIds: ids, reason: "the user has no usable email address", attempts: 0, at: Date())))
            return .recorded
        }
        let message = composeEmail(digestItems, to: user)
        let receipt: SMTPDeliveryReceipt
        do {
            receipt = try await relay.send(from: sender, to: [user.email], message: message)
        } catch {
            metadata["error"] = "\(error)"
            let now = Date()
            if !error.isPermanent, let retryAt = policy.retryAt(afterAttempt: attempt, now: now) {
                logger.warning("Notification email failed; will retry", metadata: metadata)
                return .failed(retryAt: retryAt)
            }
            logger.error("Notification email failed for good", metadata: metadata)
            try await record(.emailAbandoned(.init(
                userId: userId, notificationIds: ids, reason: error.description, attempts: attempt, at: now)))
            return .recorded
        }
        logger.info("Notification email sent", metadata: metadata)
        try await record(.emailSent(.init(
            userId: userId, notificationIds: ids, to: user.email, response: receipt.finalReply, at: Date())))
        return .recorded
    }

    private func record(_ event: NotificationEvent) async throws {
        let userId: String
        switch event {
        case .emailSent(let sent): userId = sent.userId
        case .emailAbandoned(let abandoned): userId = abandoned.userId
        case .preferencesChanged, .read: preconditionFailure("not an email outcome")
        }
        _ = try await backend.commit(AppendBatch([event.proposed(to: NotificationEvent.emailStream(userId), by: Self.actor)]))
    }

    /// The names an item mentions, as the views know them now.
    private func digestItem(_ item: PendingNotificationEmail, in txn: borrowing ReadTransaction) throws -> NotificationDigest.Item {
        let views = backend.views
        let conversation = try views.conversations.record(item.conversationId, in: txn)
        let contactName = try conversation?.contactId.flatMap { try views.conversations.contact($0, in: txn)?.name }
            ?? conversation?.visitor.name
        let actorName = try item.byUserId.flatMap { try views.directory.user($0, in: txn)?.name }
        return NotificationDigest.Item(
            kind: item.kind, conversationId: item.conversationId, subject: conversation?.subject, contactName: contactName,
            actorName: actorName, excerpt: item.excerpt, at: item.at)
    }

    private var sender: String { "notifications@\(backend.configuration.mailDomain)" }

    /// An automatic message (RFC 3834): auto-responders and our own email filters leave it alone.
    private func composeEmail(_ items: [NotificationDigest.Item], to user: UserView) -> [UInt8] {
        let (subject, text) = NotificationDigest.compose(items: items)
        var message = MailComposer.Message(
            from: MailAddress(address: sender, name: "Switchboard"), to: [MailAddress(address: user.email, name: user.name)],
            subject: subject, messageID: "<\(UUID().uuidString.lowercased())@\(backend.configuration.mailDomain)>", date: Date(),
            text: text)
        message.extraHeaders = [
            MailHeader(name: "Auto-Submitted", value: "auto-generated"),
            MailHeader(name: "X-Auto-Response-Suppress", value: "All"),
        ]
        return MailComposer.compose(message)
    }
}
