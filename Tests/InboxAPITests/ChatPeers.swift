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

    /// How the server refused a socket: its error frame's code and the close code that followed.
    struct Refusal: Sendable, CustomStringConvertible {
        var code: String?
        var closeCode: Int?
        var description: String { "code \(code ?? "none"), close \(closeCode.map(String.init) ?? "none")" }
    }

    /// Opens the chat socket with Python's `websockets` (chat_refusal.py), which reads the frame a refusing server
    /// sends just before it closes. The Swift client, under load, now and then neither delivers that frame nor
    /// ends its stream.
    static func refusal(port: Int, channelId: String, token: String?) async throws -> Refusal {
        var url = "ws://127.0.0.1:\(port)/chat/ws?channelId=\(channelId)"
        if let token { url += "&visitorToken=\(token)" }
        let (status, output) = try await ProcessRunner.python("chat_refusal.py", [url])
        guard status == 0, let answer = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw PeerFailed(description: "chat_refusal.py exited \(status): \(String(decoding: output, as: UTF8.self))")
        }
        return Refusal(code: (answer["frame"] as? [String: Any])?["code"] as? String, closeCode: answer["closeCode"] as? Int)
    }
}
