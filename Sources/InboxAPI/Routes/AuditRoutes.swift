import Foundation
import HTTPTypes
import Hummingbird
import InboxCore

/// `GET /audit` (admins): the log filtered by who did it, which conversation, what type and when, as
/// envelopes (secrets redacted). Each page scans a bounded part of the log: a page may hold fewer items than
/// asked for and still give a `nextCursor`.
struct AuditRoutes {
    let backend: Backend

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.get("audit", use: audit)
    }

    @Sendable func audit(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller().requireAdmin()
        let query = request.uri.queryParameters
        let filter = try Self.filter { name in query.get(name).map { String($0) } }
        let after = try request.uri.queryParameters.get("cursor").map { try ListCursor.number(String($0)) } ?? 0
        let limit = try Parameters.limit(request)
        let page = try await AuditQuery(log: backend.log).page(filter, after: after, limit: limit)
        let items = try page.events.map(EventFeedRoutes.envelope)
        return try JSONOutput.response(ListJSON(items: items, nextCursor: page.continueAfter.map { ListCursor.encode(number: $0) }))
    }

    /// The filter the query parameters `value` gives describe.
    static func filter(_ value: (String) -> String?) throws -> AuditFilter {
        func text(_ name: String) throws -> String? {
            guard let value = value(name) else { return nil }
            guard !value.isEmpty, value.utf8.count <= 255 else {
                throw APIError.badRequest("'\(name)' must be 1 to 255 characters.", code: "invalid_query")
            }
            return value
        }
        let types = try text("type").map { Set($0.split(separator: ",").map(String.init)) } ?? []
        let filter = AuditFilter(
            actorId: try text("actorId"), conversationId: try text("conversationId"), types: types,
            from: try Self.time(try text("from"), "from"), to: try Self.time(try text("to"), "to"))
        if let from = filter.from, let to = filter.to, from >= to {
            throw APIError.badRequest("'from' must come before 'to'.", code: "invalid_query")
        }
        return filter
    }

    static func time(_ text: String?, _ name: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = Timestamps.parse(text) else {
            throw APIError.badRequest("'\(name)' must be an RFC 3339 time such as 2026-11-24T10:00:00.000Z.", code: "invalid_query")
        }
        return date
    }
}
