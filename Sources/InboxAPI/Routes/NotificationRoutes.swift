import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// A user's own notification preferences and in-app notification feed.
struct NotificationRoutes {
    let backend: Backend
    let idempotency: Idempotency

    struct Preferences: RequestBody {
        static let fields: Set<String> = ["assigned", "newMessage", "mention"]
        var assigned: [String]
        var newMessage: [String]
        var mention: [String]
    }

    struct MarkRead: RequestBody {
        static let fields: Set<String> = ["ids"]
        var ids: [String]
    }

    struct PreferencesJSON: Encodable, Sendable {
        var assigned: [String]
        var newMessage: [String]
        var mention: [String]

        init(_ preferences: NotificationPreferences) {
            assigned = preferences.assigned.map(\.rawValue)
            newMessage = preferences.newMessage.map(\.rawValue)
            mention = preferences.mention.map(\.rawValue)
        }
    }

    struct NotificationJSON: Encodable, Sendable {
        var id: String
        var kind: String
        var conversationId: String
        var at: String
        var read: Bool

        init(_ view: NotificationView) {
            id = view.id
            kind = view.kind
            conversationId = view.conversationId
            at = Timestamps.format(view.at)
            read = view.read
        }
    }

    struct ReadJSON: Encodable, Sendable {
        var read: [String]
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.put("users/me/notification-preferences", use: setPreferences)
        api.get("users/me/notifications", use: list)
        api.post("users/me/notifications/read", use: markRead)
    }

    @Sendable func setPreferences(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await StrictJSON.decode(Preferences.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let preferences = NotificationPreferences(
                assigned: try Self.channels(body.value.assigned, field: "assigned"),
                newMessage: try Self.channels(body.value.newMessage, field: "newMessage"),
                mention: try Self.channels(body.value.mention, field: "mention"))
            let position = try await backend.commit(Notifications.setPreferences(userId: caller.userId, preferences, by: caller.actor)) { _ in
                .internalError()
            }
            return try WriteAnswer(status: .ok, PreferencesJSON(preferences), logPosition: position)
        }
    }

    @Sendable func list(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        let unreadOnly: Bool
        switch query.get("unread") {
        case nil, "false": unreadOnly = false
        case "true": unreadOnly = true
        default: throw APIError.badRequest("'unread' must be true or false.", code: "invalid_query")
        }
        let limit = try Parameters.limit(request)
        let after = try query.get("cursor").map(ListCursor.decode)
        do {
            let page = try backend.read { txn in
                try backend.views.notifications.notifications(of: caller.userId, unreadOnly: unreadOnly, limit: limit, after: after, in: txn)
            }
            return try JSONOutput.response(ListJSON(items: page.items.map(NotificationJSON.init), nextCursor: page.nextKey.map(ListCursor.encode)))
        } catch is InvalidCursor {
            throw ListCursor.invalid
        }
    }

    /// Marks the caller's notifications `ids` read; an id that is not theirs answers 404 and marks nothing.
    @Sendable func markRead(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await StrictJSON.decode(MarkRead.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let ids = Array(Set(body.value.ids)).sorted()
            guard !ids.isEmpty, ids.count <= 500 else { throw APIError.unprocessable("Field 'ids' must list 1 to 500 notification ids.") }
            try backend.read { txn in
                for id in ids where try !backend.views.notifications.exists(id, of: caller.userId, in: txn) {
                    throw APIError.notFound("No such notification '\(id)'.")
                }
            }
            let position = try await backend.commit(Notifications.markRead(userId: caller.userId, notificationIds: ids, by: caller.actor)) { _ in
                .internalError()
            }
            return try WriteAnswer(status: .ok, ReadJSON(read: ids), logPosition: position)
        }
    }

    static func channels(_ names: [String], field: String) throws -> [NotificationPreferences.Channel] {
        var channels: [NotificationPreferences.Channel] = []
        for name in names {
            guard let channel = NotificationPreferences.Channel(rawValue: name) else {
                throw APIError.unprocessable("Field '\(field)' may list only inApp and email.")
            }
            if !channels.contains(channel) { channels.append(channel) }
        }
        return channels
    }
}
