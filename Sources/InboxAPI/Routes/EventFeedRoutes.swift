import Foundation
import HTTPTypes
import Hummingbird
import InboxCore

/// `GET /events`: the log in order, as envelopes, for integrations (admins only). Replies on custom channels
/// reach their integration this way.
struct EventFeedRoutes {
    let backend: Backend

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.get("events", use: feed)
    }

    @Sendable func feed(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller().requireAdmin()
        let query = request.uri.queryParameters
        var after: UInt64 = 0
        if let text = query.get("after") {
            guard let position = UInt64(text) else {
                throw APIError.badRequest("'after' must be a log position (a whole number).", code: "invalid_query")
            }
            after = position
        }
        if let cursor = query.get("cursor") {
            after = max(after, try ListCursor.number(cursor))
        }
        let limit = try Parameters.limit(request)
        let events = after == UInt64.max ? [] : try await backend.log.read(from: after + 1, maxCount: limit)
        let items = try events.map(Self.envelope)
        let next = events.count == limit ? events.last.map { ListCursor.encode(number: $0.position) } : nil
        return try JSONOutput.response(ListJSON(items: items, nextCursor: next))
    }

    /// The envelope as integrations see it (the feed, webhooks): secrets are never shown, not even to admins.
    static func envelope(_ event: RecordedEvent) throws -> EnvelopeJSON {
        var envelope = try EnvelopeJSON(event)
        guard case .object(var payload) = envelope.payload else { return envelope }
        switch event.type {
        case WebhookEvent.Tag.registered.rawValue:
            payload["secret"] = .string("[redacted]")
        case ChannelEvent.Tag.credentialsSet.rawValue:
            if case .object(var messenger)? = payload["messenger"] {
                for key in messenger.keys { messenger[key] = .string("[redacted]") }
                payload["messenger"] = .object(messenger)
            }
        default:
            return envelope
        }
        envelope.payload = .object(payload)
        return envelope
    }
}
