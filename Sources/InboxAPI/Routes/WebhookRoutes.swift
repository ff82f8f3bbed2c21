import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// Outbound webhooks (admin): register one, list them, see each delivery attempt.
struct WebhookRoutes {
    let backend: Backend
    let idempotency: Idempotency

    struct NewWebhook: RequestBody {
        static let fields: Set<String> = ["url", "eventTypes", "secret"]
        var url: String
        var eventTypes: [String]
        var secret: String
    }

    struct WebhookJSON: Encodable, Sendable {
        var id: String
        var url: String
        var eventTypes: [String]
        var active: Bool
        @Nullable var disabledReason: String?
        var createdAt: String

        init(_ view: WebhookView) {
            id = view.id
            url = view.url
            eventTypes = view.eventTypes
            active = view.active
            disabledReason = view.disabledReason
            createdAt = Timestamps.format(view.createdAt)
        }
    }

    struct AttemptJSON: Encodable, Sendable {
        var position: UInt64
        var eventId: String
        var eventType: String
        var attempt: Int
        var succeeded: Bool
        @Nullable var status: Int?
        @Nullable var error: String?
        var at: String

        init(_ attempt: WebhookEvent.Attempted) {
            position = attempt.position
            eventId = attempt.eventId.uuidString.lowercased()
            eventType = attempt.eventType
            self.attempt = attempt.attempt
            succeeded = attempt.succeeded
            status = attempt.status
            error = attempt.error
            at = Timestamps.format(attempt.at)
        }
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("webhooks", use: create)
        api.get("webhooks", use: list)
        api.get("webhooks/:id/deliveries", use: deliveries)
    }

    @Sendable func create(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let body = try await StrictJSON.decode(NewWebhook.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let webhookId = Identifiers.make()
            let batch = try invalidAsAPIError {
                try Webhooks.register(
                    webhookId: webhookId, url: body.value.url, eventTypes: body.value.eventTypes, secret: body.value.secret,
                    at: Date(), by: caller.actor)
            }
            let position = try await backend.commit(batch) { _ in .internalError() }
            return try WriteAnswer(status: .created, WebhookJSON(try existing(webhookId)), logPosition: position)
        }
    }

    @Sendable func list(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller().requireAdmin()
        let webhooks = try backend.read { txn in try backend.views.directory.webhooks(in: txn) }
        return try JSONOutput.response(ListJSON(items: webhooks.map(WebhookJSON.init)))
    }

    /// Attempts newest first; `cursor` pages by the webhook stream's version.
    @Sendable func deliveries(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller().requireAdmin()
        let webhookId = try Parameters.id(context)
        _ = try existing(webhookId)
        let limit = try Parameters.limit(request)
        let stream = WebhookEvent.stream(webhookId)
        var before = try await backend.log.streamVersion(stream) + 1
        if let cursor = request.uri.queryParameters.get("cursor") {
            let version = try ListCursor.number(cursor)
            guard version < before else { throw ListCursor.invalid }
            before = version
        }
        var items: [AttemptJSON] = []
        var next: String?
        while before > 1, items.count < limit {
            let from = before > UInt64(limit) ? before - UInt64(limit) : 1
            let page = try await backend.log.readStream(stream, from: from, maxCount: Int(before - from))
            for event in page.reversed() {
                if case .attempted(let attempt)? = try WebhookEvent(event) {
                    guard items.count < limit else { break }
                    items.append(AttemptJSON(attempt))
                    next = event.streamVersion > 1 ? ListCursor.encode(number: event.streamVersion) : nil
                }
            }
            before = from
        }
        return try JSONOutput.response(ListJSON(items: items, nextCursor: items.count == limit ? next : nil))
    }

    private func existing(_ id: String) throws -> WebhookView {
        guard let webhook = try backend.read({ txn in try backend.views.directory.webhook(id, in: txn) }) else {
            throw APIError.notFound("No such webhook.")
        }
        return webhook
    }
}
