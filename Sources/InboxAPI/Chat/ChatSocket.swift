import Foundation
import HTTPTypes
import HummingbirdWebSocket
import InboxCore
import LMDB
import Logging
import NIOCore
import NIOWebSocket
import Projections

/// The chat widget's WebSocket, `GET /chat/ws?channelId=&visitorToken=`: it names the visitor, sends their
/// conversation's history, then each new message as the views learn of it, and takes the visitor's messages and
/// email. Nothing is held in memory that the log does not have: a visitor who comes back reads it all again.
struct ChatSocket: Sendable {
    let backend: Backend
    let logger: Logger
    static let path = "/chat/ws"
    /// The largest frame a visitor may send.
    static let maxFrameBytes = 64 * 1024
    static let maxTextLength = 5_000
    /// Messages a socket may send per `rateWindow`.
    static let rateLimit = 20
    static let rateWindow: TimeInterval = 10

    var visitors: ChatVisitors { ChatVisitors(backend: backend) }

    func shouldUpgrade(_ request: HTTPRequest) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let target = request.path.flatMap(URLComponents.init(string:)), target.path == Self.path else { return .dontUpgrade }
        let query = Dictionary((target.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { first, _ in first }
        return .upgrade([:]) { inbound, outbound, _ in
            try await serve(channelId: query["channelId"] ?? "", token: query["visitorToken"], inbound, outbound)
        }
    }

    private func serve(channelId: String, token: String?, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        var visitor: ChatVisitor
        do {
            visitor = try await visitors.resume(channelId: channelId, tokenText: token)
        } catch let failure as ChatVisitors.Failure {
            let (code, message) = failure == .unknownChannel
                ? ("unknown_channel", "There is no chat channel with this id.") : ("invalid_token", "This visitor token is not valid.")
            try await send(ChatFrame.error(code: code, message: message), outbound)
            try await outbound.close(.policyViolation, reason: code)
            return
        }
        try await send(ChatFrame.session(token: visitor.token.text, conversationId: try await visitors.conversationId(of: visitor)), outbound)
        let fixedVisitor = visitor
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await follow(fixedVisitor, outbound)
                } catch is CancellationError {
                } catch {
                    // A socket that stopped sending would look alive and say nothing: close it, so the widget
                    // reconnects and reads the conversation again.
                    logger.error(
                        "Chat socket stopped following its conversation",
                        metadata: ["error": "\(error)", "chat.channel": "\(fixedVisitor.channel.id)"])
                    try? await outbound.close(.unexpectedServerError, reason: "internal_error")
                }
            }
            var recent: [Date] = []
            for try await message in inbound.messages(maxSize: Self.maxFrameBytes) {
                guard case .text(let text) = message else {
                    try await send(ChatFrame.error(code: "invalid_frame", message: "Frames are JSON text."), outbound)
                    continue
                }
                let now = Date()
                recent = recent.filter { now.timeIntervalSince($0) < Self.rateWindow } + [now]
                guard recent.count <= Self.rateLimit else {
                    try await send(ChatFrame.error(code: "rate_limited", message: "Too many messages; wait a few seconds."), outbound)
                    continue
                }
                if let error = try await handle(text, &visitor) { try await send(error, outbound) }
            }
            group.cancelAll()
        }
    }

    /// Carries out one frame from the visitor; an error frame to answer when it was refused.
    private func handle(_ text: String, _ visitor: inout ChatVisitor) async throws -> [String: Any]? {
        guard let frame = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any], let type = frame["type"] as? String
        else { return ChatFrame.error(code: "invalid_frame", message: "A frame is a JSON object with a 'type'.") }
        switch type {
        case "message":
            let body = (frame["text"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !body.isEmpty, body.count <= Self.maxTextLength else {
                return ChatFrame.error(code: "invalid_frame", message: "'text' must have 1 to \(Self.maxTextLength) characters.")
            }
            let clientMessageId = frame["clientMessageId"] as? String
            if let clientMessageId, clientMessageId.isEmpty || clientMessageId.count > 100 {
                return ChatFrame.error(code: "invalid_frame", message: "'clientMessageId' must have 1 to 100 characters.")
            }
            _ = try await visitors.receive(body, clientMessageId: clientMessageId, from: &visitor)
        case "identify":
            guard let email = frame["email"] as? String, EmailAddress.isValid(EmailAddress.normalize(email)) else {
                return ChatFrame.error(code: "invalid_email", message: "'email' must be an email address.")
            }
            try await visitors.identify(email: email, name: frame["name"] as? String, visitor: &visitor)
        default:
            return ChatFrame.error(code: "invalid_frame", message: "Unknown frame type '\(type)'.")
        }
        return nil
    }

    /// Sends the conversation's messages from the first, then each new one once the views have it.
    private func follow(_ visitor: ChatVisitor, _ outbound: WebSocketOutboundWriter) async throws {
        var conversationId: String?
        var sent = 0
        while !Task.isCancelled {
            let seen = backend.runner.position
            if conversationId == nil { conversationId = try await visitors.conversationId(of: visitor) }
            if let conversationId {
                let frames = try backend.read { txn -> [[String: Any]] in
                    guard let record = try backend.views.conversations.record(conversationId, in: txn), record.messageCount > sent else {
                        return []
                    }
                    return try backend.views.conversations.messages(of: conversationId, in: txn).dropFirst(sent).map { message in
                        ChatFrame.message(
                            message, authorName: try authorName(message, visitor, in: txn),
                            clientMessageId: visitor.clientMessageId(of: message.externalMessageId))
                    }
                }
                for frame in frames { try await send(frame, outbound) }
                sent += frames.count
            }
            try await backend.runner.waitUntilProjected(seen + 1)
        }
    }

    private func authorName(_ message: MessageView, _ visitor: ChatVisitor, in txn: borrowing ReadTransaction) throws -> String? {
        switch message.authorType {
        case "bot": return visitor.channel.bot?.name ?? "Assistant"
        case "user": return try message.authorId.flatMap { try backend.views.directory.user($0, in: txn)?.name }
        default: return nil
        }
    }

    private func send(_ frame: [String: Any], _ outbound: WebSocketOutboundWriter) async throws {
        let data = try JSONSerialization.data(withJSONObject: frame, options: [.sortedKeys, .withoutEscapingSlashes])
        try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }
}

/// The server's frames, as the widget reads them.
enum ChatFrame {
    static func session(token: String, conversationId: String?) -> [String: Any] {
        ["type": "session", "visitorToken": token, "conversationId": conversationId ?? NSNull()]
    }

    static func error(code: String, message: String) -> [String: Any] {
        ["type": "error", "code": code, "message": message]
    }

    static func message(_ message: MessageView, authorName: String?, clientMessageId: String?) -> [String: Any] {
        [
            "type": "message", "id": message.id, "direction": message.direction, "authorType": message.authorType,
            "authorName": authorName ?? NSNull(), "text": message.text, "at": Timestamps.format(message.at),
            "clientMessageId": clientMessageId ?? NSNull(),
        ]
    }
}
