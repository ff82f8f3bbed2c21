import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import NIOCore
import Projections
import ServiceLifecycle

/// `GET /users/me/notifications/stream`: Server-Sent Events an open agent console follows. Each new in-app
/// notification arrives as `event: notification` once the projection has it; a comment line every
/// `heartbeat` keeps proxies from closing an idle stream and notices a client that left.
struct NotificationStream {
    let backend: Backend
    var heartbeat: Duration = .seconds(15)

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.get("users/me/notifications/stream", use: stream)
    }

    @Sendable func stream(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let backend = self.backend
        let heartbeat = self.heartbeat
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            // Only what happens from now on: the feed endpoint has the past.
            var seen = try Self.newest(backend, caller.userId).first.flatMap(Self.position) ?? 0
            var projected = backend.runner.position
            try await writer.write(ByteBuffer(string: ": connected\n\n"))
            // A graceful shutdown ends the stream too, so an open console never holds the server up.
            while !Task.isCancelled {
                let wake = try await Self.wake(backend, after: projected, heartbeat: heartbeat)
                if wake == .shutdown { break }
                projected = backend.runner.position
                var text = ""
                for notification in try Self.newest(backend, caller.userId).reversed() {
                    guard let position = Self.position(notification), position > seen else { continue }
                    text += try Self.event(notification)
                    seen = position
                }
                try await writer.write(ByteBuffer(string: text.isEmpty ? ": heartbeat\n\n" : text))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The caller's newest notifications, newest first.
    static func newest(_ backend: Backend, _ userId: String) throws -> [NotificationView] {
        try backend.read { txn in
            try backend.views.notifications.notifications(of: userId, unreadOnly: false, limit: 100, after: nil, in: txn).items
        }
    }

    /// The log position a notification came from (its id is `<position>.<kind>`).
    static func position(_ notification: NotificationView) -> UInt64? {
        notification.id.split(separator: ".").first.flatMap { UInt64($0) }
    }

    static func event(_ notification: NotificationView) throws -> String {
        let data = String(decoding: try JSONOutput.encode(NotificationRoutes.NotificationJSON(notification)), as: UTF8.self)
        return "id: \(notification.id)\nevent: notification\ndata: \(data)\n\n"
    }

    enum Wake: Sendable { case progress, heartbeat, shutdown }

    /// Waits until the runner passes `position`, the heartbeat is due, or the service shuts down.
    static func wake(_ backend: Backend, after position: UInt64, heartbeat: Duration) async throws -> Wake {
        try await withThrowingTaskGroup(of: Wake.self) { group in
            group.addTask {
                try await backend.runner.waitUntilProjected(position + 1)
                return .progress
            }
            group.addTask {
                try await Task.sleep(for: heartbeat)
                return .heartbeat
            }
            group.addTask {
                try await gracefulShutdown()
                return .shutdown
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .shutdown
        }
    }
}
