import EmailChannel
import Foundation
import InboxCore
import Logging
import Projections
import ServiceLifecycle

/// Sends email replies through the SMTP relay, on `OutboxDelivery`'s loop; a failure that may pass is retried on
/// `DeliveryPolicy`'s schedule.
struct EmailDeliveryService: Service {
    let backend: Backend
    let relay: SMTPRelay
    let policy: DeliveryPolicy
    let logger: Logger
    /// Who delivery events are recorded as.
    static let actor = ActorRef(kind: .system, id: "email-delivery")

    func run() async throws {
        let loop = OutboxDelivery(backend: backend, sender: EmailReplySender(relay: relay, policy: policy), actor: Self.actor, logger: logger)
        do {
            try await cancelWhenGracefulShutdown { try await loop.run() }
        } catch is CancellationError {
        } catch let error as EventLogError where error == .closed {}
    }
}

/// One try at an email reply through the relay.
struct EmailReplySender: ReplySender {
    let relay: SMTPRelay
    let policy: DeliveryPolicy
    var channelType: String { "email" }

    func send(_ entry: OutboxEntry, reply: ConversationEvent.ReplyPosted?, attempt: Int) async -> DeliveryEvent {
        guard let reply, let email = reply.email else { return .missingReply(entry, attempt: attempt) }
        do {
            let receipt = try await relay.send(from: email.from, to: email.to, message: OutboundEmailMessage.compose(reply, email))
            return .sent(.init(
                conversationId: entry.conversationId, messageId: entry.messageId, attempt: attempt, response: receipt.finalReply,
                at: Date()))
        } catch {
            return policy.afterFailure(
                attempt: attempt, permanent: error.isPermanent, reason: error.description, conversationId: entry.conversationId,
                messageId: entry.messageId, now: Date())
        }
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
