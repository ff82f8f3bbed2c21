import Foundation
import InboxCore
import Logging
import Projections

/// What a delivery worker does with one due reply: try it once and say what became of it.
protocol ReplySender: Sendable {
    /// The outbox entries this sender takes (`email`, `messenger`).
    var channelType: String { get }
    /// One try at `entry`'s reply (`reply` is nil when the log does not hold it): the outcome to record.
    func send(_ entry: OutboxEntry, reply: ConversationEvent.ReplyPosted?, attempt: Int) async -> DeliveryEvent
}

/// The loop every reply delivery worker runs over the conversations view's outbox (folded from the log, so it
/// survives restarts): each due reply is read from its `reply_posted` event, tried, and the outcome appended on
/// the reply's delivery stream, caused by the reply. At least once: a crash between the channel's acceptance
/// and the append sends the reply again.
struct OutboxDelivery<Sender: ReplySender>: Sendable {
    let backend: Backend
    let sender: Sender
    let actor: ActorRef
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled {
            do {
                try await deliverDue()
            } catch let error as EventLogError where error != .closed {
                // The log refused an outcome: nothing was lost (the entry stays due); try again shortly. Stopping
                // mid-append is no failure: the reply goes again on the next start.
                if Task.isCancelled { return }
                logger.error("Reply delivery could not record an outcome", metadata: ["channel.type": "\(sender.channelType)", "error": "\(error)"])
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
            .filter { $0.channelType == sender.channelType }
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
        let found = try await reply(entry)
        let outcome = await sender.send(entry, reply: found?.0, attempt: attempt)
        // A stop cut the try short (its request was cancelled): no attempt to record; the reply goes on the next start.
        if Task.isCancelled, !outcome.isSent { return }
        var metadata: Logger.Metadata = [
            "channel.type": "\(sender.channelType)", "reply.message": "\(entry.messageId)", "reply.attempt": "\(attempt)",
        ]
        switch outcome {
        case .sent: logger.info("Reply delivered", metadata: metadata)
        case .retryScheduled(let retry):
            metadata["error"] = "\(retry.reason)"
            logger.warning("Reply delivery failed; will retry", metadata: metadata)
        case .failed(let failed):
            metadata["error"] = "\(failed.reason)"
            logger.error("Reply delivery failed for good", metadata: metadata)
        }
        // Waits for the views, so the next look at the outbox sees this outcome. Caused by the reply: an auditor
        // follows "who replied when, and what became of it".
        let cause = found?.1
        _ = try await backend.commit(AppendBatch([
            outcome.proposed(
                to: DeliveryEvent.stream(messageId: entry.messageId), by: actor,
                correlationId: cause.map { $0.correlationId ?? $0.eventId }, causationId: cause?.eventId)
        ]))
    }

    /// The reply an outbox entry names, read from the log (the views keep no copy of what it says).
    private func reply(_ entry: OutboxEntry) async throws -> (ConversationEvent.ReplyPosted, RecordedEvent)? {
        let recorded = try await backend.log.readStream(ConversationEvent.stream(entry.conversationId))
        for event in recorded.reversed() where event.type == ConversationEvent.Tag.replyPosted.rawValue {
            guard case .replyPosted(let reply)? = try ConversationEvent(event), reply.messageId == entry.messageId else { continue }
            return (reply, event)
        }
        return nil
    }
}

extension DeliveryEvent {
    /// The reply reached its channel.
    var isSent: Bool {
        if case .sent = self { return true }
        return false
    }

    /// A reply the log does not hold cannot be sent.
    static func missingReply(_ entry: OutboxEntry, attempt: Int) -> DeliveryEvent {
        .failed(.init(
            conversationId: entry.conversationId, messageId: entry.messageId, attempt: attempt,
            reason: "the reply is not in the log", at: Date()))
    }
}
