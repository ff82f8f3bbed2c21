import EmailChannel
import Foundation
import InboxCore
import Logging
import Projections
import ServiceLifecycle

/// Sends email replies through the SMTP relay. Its queue is the conversations view's outbox (folded from the
/// log, so it survives restarts): each due reply is composed from its `reply_posted` event, sent, and the
/// outcome appended on the reply's delivery stream; a failure that may pass is retried on `DeliveryPolicy`'s
/// schedule. At least once: a crash between the relay's 250 and the append sends the reply again.
struct EmailDeliveryService: Service {
    let backend: Backend
    let relay: SMTPRelay
    let policy: DeliveryPolicy
    let logger: Logger
    /// Who delivery events are recorded as.
    static let actor = ActorRef(kind: .system, id: "email-delivery")

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.deliverWhileRunning() }
        } catch is CancellationError {
        } catch let error as EventLogError where error == .closed {}
    }

    private func deliverWhileRunning() async throws {
        while !Task.isCancelled {
            do {
                try await deliverDue()
            } catch let error as EventLogError where error != .closed {
                // The log refused an outcome: nothing was lost (the entry stays due); try again shortly. Stopping
                // mid-append is no failure: the reply goes again on the next start (at least once).
                if Task.isCancelled { return }
                logger.error("Email delivery could not record an outcome", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(5))
            }
        }
    }

    /// Sends what is due, then waits for something new to send.
    private func deliverDue() async throws {
        // The outbox as it stands once the views hold everything committed so far.
        let seen = try await backend.log.head()
        try await backend.runner.waitUntilProjected(seen)
        let entries = try backend.read { txn in try backend.views.conversations.outboxEntries(in: txn) }
        let now = Date()
        let due = entries.filter { $0.dueAt <= now }
        for entry in due {
            try Task.checkCancellation()
            try await deliver(entry)
        }
        if due.isEmpty { try await backend.waitForCommit(after: seen, until: entries.first?.dueAt) }
    }

    private func deliver(_ entry: OutboxEntry) async throws {
        let attempt = entry.attempts + 1
        var metadata: Logger.Metadata = ["email.message": "\(entry.messageId)", "email.attempt": "\(attempt)"]
        let outcome: DeliveryEvent
        let found = try await reply(entry)
        if let found {
            let (reply, email, _) = found
            let message = OutboundEmailMessage.compose(reply, email)
            do {
                let receipt = try await relay.send(from: email.from, to: email.to, message: message)
                outcome = .sent(.init(
                    conversationId: entry.conversationId, messageId: entry.messageId, attempt: attempt,
                    response: receipt.finalReply, at: Date()))
            } catch {
                metadata["error"] = "\(error)"
                outcome = policy.afterFailure(
                    attempt: attempt, permanent: error.isPermanent, reason: error.description,
                    conversationId: entry.conversationId, messageId: entry.messageId, now: Date())
            }
        } else {
            outcome = .failed(.init(
                conversationId: entry.conversationId, messageId: entry.messageId, attempt: attempt,
                reason: "the reply is not in the log", at: Date()))
        }
        switch outcome {
        case .sent: logger.info("Email reply sent", metadata: metadata)
        case .retryScheduled: logger.warning("Email reply delivery failed; will retry", metadata: metadata)
        case .failed: logger.error("Email reply delivery failed for good", metadata: metadata)
        }
        // Waits for the views, so the next look at the outbox sees this outcome.
        // Caused by the reply: an auditor follows "who replied when, and what became of it".
        let cause = found?.2
        _ = try await backend.commit(AppendBatch([
            outcome.proposed(
                to: DeliveryEvent.stream(messageId: entry.messageId), by: Self.actor,
                correlationId: cause.map { $0.correlationId ?? $0.eventId }, causationId: cause?.eventId)
        ]))
    }

    /// The reply an outbox entry names, read from the log (the views keep no copy of what the email says).
    private func reply(_ entry: OutboxEntry) async throws -> (ConversationEvent.ReplyPosted, OutboundEmail, RecordedEvent)? {
        let recorded = try await backend.log.readStream(ConversationEvent.stream(entry.conversationId))
        for event in recorded.reversed() where event.type == ConversationEvent.Tag.replyPosted.rawValue {
            guard case .replyPosted(let reply)? = try ConversationEvent(event), reply.messageId == entry.messageId else { continue }
            return reply.email.map { (reply, $0, event) }
        }
        return nil
    }
}

/// The RFC 5322 message a reply becomes.
enum OutboundEmailMessage {
    static func compose(_ reply: ConversationEvent.ReplyPosted, _ email: OutboundEmail) -> [UInt8] {
        var message = MailComposer.Message(
            from: MailAddress(address: email.from, name: email.fromName), to: email.to.map { MailAddress(address: $0) },
            subject: email.subject, messageID: email.messageId, date: reply.postedAt, text: reply.text)
        message.html = reply.html
        message.inReplyTo = email.inReplyTo
        message.references = email.references
        return MailComposer.compose(message)
    }
}
