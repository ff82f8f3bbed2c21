import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import Testing

/// A chat visitor over a real WebSocket: JSON frames out, JSON frames in.
final class ChatVisitorConnection {
    private var frames: WebSocketInboundMessageStream.AsyncIterator
    private let outbound: WebSocketOutboundWriter

    init(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) {
        frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        self.outbound = outbound
    }

    /// The server's next frame (the suite's time limit ends a test waiting for one that never comes).
    func next() async throws -> [String: Any] {
        guard let message = try await frames.next() else { throw PeerFailed(description: "the chat socket closed") }
        guard case .text(let text) = message,
            let frame = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { throw PeerFailed(description: "not a JSON text frame: \(message)") }
        return frame
    }

    func send(_ frame: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: frame)
        try await outbound.write(.text(String(decoding: data, as: UTF8.self)))
    }
}

enum ChatVisitorPeer {
    /// Opens the chat socket as the visitor `token` names (nil: a new visitor), runs `body`, and closes it.
    @discardableResult
    static func session<R: Sendable>(
        port: Int, channelId: String, token: String?, _ body: @escaping @Sendable (ChatVisitorConnection) async throws -> R
    ) async throws -> R {
        var path = "/chat/ws?channelId=\(channelId)"
        if let token { path += "&visitorToken=\(token)" }
        let box = ResultBox<R>()
        try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)\(path)", logger: Logger(label: "chat-visitor")) { inbound, outbound, _ in
            await box.set(try await body(ChatVisitorConnection(inbound, outbound)))
        }
        return try #require(await box.value)
    }
}
