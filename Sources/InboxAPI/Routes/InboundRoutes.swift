import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// `POST /channels/{id}/messages`: how integrating systems (custom channels, imports) bring messages in.
/// `externalMessageId` deduplicates through a claim stream in the same append; `externalThreadId` threads.
struct InboundRoutes {
    let backend: Backend
    let idempotency: Idempotency

    struct InboundMessage: RequestBody {
        static let fields: Set<String> = [
            "from", "text", "html", "subject", "externalMessageId", "externalThreadId", "sentAt",
        ]
        static let nestedFields: [String: Set<String>] = ["from": ["email", "externalId", "name"]]

        struct From: Decodable, Sendable {
            var email: String?
            var externalId: String?
            var name: String?
        }

        var from: From
        var text: String
        var html: String?
        var subject: String?
        var externalMessageId: String?
        var externalThreadId: String?
        var sentAt: String?
    }

    struct Accepted: Encodable, Sendable {
        var conversationId: String
        var messageId: String
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("channels/:id/messages", use: receive)
    }

    @Sendable func receive(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let channelId = try Parameters.id(context)
        let channel = try backend.read { txn in try backend.views.directory.channel(channelId, in: txn) }
        guard let channel, caller.mayAccess(inboxId: channel.inboxId) else { throw APIError.notFound("No such channel.") }
        let body = try await StrictJSON.decode(InboundMessage.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let message = body.value
            let visitor = try Self.visitor(message.from)
            guard !message.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw APIError.unprocessable("Field 'text' must not be empty.")
            }
            for (field, value) in [("externalMessageId", message.externalMessageId), ("externalThreadId", message.externalThreadId)] {
                if let value, value.isEmpty || value.utf8.count > 512 {
                    throw APIError.unprocessable("Field '\(field)' must be 1 to 512 bytes.")
                }
            }
            let sentAt = try Parameters.time(message.sentAt, field: "sentAt")
            var delivery = InboundDelivery(
                channel: channel, actor: ActorRef(kind: .integration, id: channel.id), visitor: visitor, text: message.text,
                html: message.html, subject: message.subject, sentAt: sentAt)
            delivery.thread = message.externalThreadId.map(InboundDelivery.Thread.external) ?? .new
            delivery.externalMessageId = message.externalMessageId
            delivery.dedupeStream = message.externalMessageId.map {
                ChannelEvent.messageStream(channelId: channel.id, externalMessageId: $0)
            }
            let result = try await MessageIntake(backend: backend).accept(delivery)
            // A message id seen before answers 200 with what it created, appending nothing.
            return try WriteAnswer(
                status: result.duplicate ? .ok : .created,
                Accepted(conversationId: result.conversationId, messageId: result.messageId), logPosition: result.position)
        }
    }

    static func visitor(_ from: InboundMessage.From) throws -> Visitor {
        let email = from.email.map(EmailAddress.normalize)
        if let email, !EmailAddress.isValid(email) { throw APIError.unprocessable("Field 'from.email' is not an email address.") }
        let externalId = from.externalId.flatMap { $0.isEmpty ? nil : $0 }
        guard email != nil || externalId != nil else {
            throw APIError.unprocessable("Field 'from' needs an email or an externalId.")
        }
        return Visitor(email: email, externalId: externalId, name: from.name)
    }
}
