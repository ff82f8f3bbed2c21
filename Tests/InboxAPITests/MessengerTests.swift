import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InboxCore
import MessengerChannel
import Synchronization
import Testing

@testable import InboxAPI

/// A stand-in for Meta's Graph API over real HTTP: records every Send API request; fails the first `failures`.
final class GraphAPIStandIn: Sendable {
    struct Received: Sendable {
        var path: String
        var accessToken: String?
        var body: Data
    }

    let failures: Int
    private let state = Mutex<(requests: Int, received: [Received])>((0, []))

    init(failures: Int = 0) {
        self.failures = failures
    }

    var received: [Received] { state.withLock { $0.received } }

    func serve(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.post("**") { request, context -> Response in
            let bytes = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let received = Received(path: request.uri.path, accessToken: request.uri.queryParameters.get("access_token").map { String($0) }, body: bytes)
            let number = self.state.withLock { state in
                state.requests += 1
                if state.requests > self.failures { state.received.append(received) }
                return state.requests
            }
            guard number > self.failures else {
                return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"Please retry","type":"OAuthException","code":2,"is_transient":true}}"#)))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"recipient_id":"24680","message_id":"m_\#(number)"}"#)))
        }
        try await serveLocally(router) { port in try await body("http://127.0.0.1:\(port)") }
    }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct MessengerTests {
    static let appSecret = "app-secret-0123456789"
    static let pageId = "1122334455"

    func run(_ harness: APIHarness, graph: String, _ body: @Sendable (APIClient) async throws -> Void) async throws {
        var configuration = harness.configuration
        configuration.messenger = MessengerSendAPI.Configuration(graphBaseURL: graph, apiVersion: "v25.0")
        configuration.messengerDeliveryPolicy = DeliveryPolicy(retryDelays: [.milliseconds(100), .milliseconds(100)])
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in try await body(APIClient(client: client)) }
    }

    func connect(_ api: APIClient, _ o: Organisation) async throws -> String {
        let channel = try await api.call(
            .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken,
            json: ["type": "messenger", "pageId": Self.pageId, "pageAccessToken": "EAAB-page-token", "appSecret": Self.appSecret, "verifyToken": "verify-me"])
        try #require(channel.status == .created, "\(String(decoding: channel.body, as: UTF8.self))")
        #expect(channel["pageId"] as? String == Self.pageId)
        #expect(channel["appSecret"] == nil && channel["pageAccessToken"] == nil && channel["verifyToken"] == nil)
        return try #require(channel.string("id"))
    }

    static func webhook(mid: String, text: String, at: Date = Date()) -> String {
        let ms = Int(at.timeIntervalSince1970 * 1000)
        return #"{"object":"page","entry":[{"id":"\#(pageId)","time":\#(ms),"messaging":[{"sender":{"id":"24680"},"recipient":{"id":"\#(pageId)"},"timestamp":\#(ms),"message":{"mid":"\#(mid)","text":"\#(text)","attachments":[{"type":"image","payload":{"url":"https://cdn.example/p.jpg"}}]}}]}]}"#
    }

    static func signature(_ body: String, secret: String = appSecret) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    func post(_ api: APIClient, _ body: String, signature: String?) async throws -> Answer {
        try await api.call(.post, "/webhooks/messenger", token: nil, raw: body, headers: signature.map { ["X-Hub-Signature-256": $0] } ?? [:])
    }

    @Test func aSignedMessageOpensAConversationAndTheReplyReachesTheGraphAPIExactly() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let graph = GraphAPIStandIn(failures: 1)
        try await graph.serve { graphURL in
            try await run(harness, graph: graphURL) { api in
                let o = try await Organisation.create(api)
                _ = try await connect(api, o)
                // The subscription handshake.
                let verified = try await api.call(.get, "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", token: nil)
                #expect(verified.status == .ok)
                #expect(String(decoding: verified.body, as: UTF8.self) == "1158201444")
                #expect(try await api.call(.get, "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", token: nil).status == .forbidden)

                let body = Self.webhook(mid: "m_abc", text: "Do you ship to Spain?")
                let before = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.count
                #expect(try await post(api, body, signature: nil).status == .forbidden)
                #expect(try await post(api, body, signature: Self.signature(body, secret: "not-the-secret")).status == .forbidden)
                #expect(try await post(api, body + " ", signature: Self.signature(body)).status == .forbidden)
                #expect(try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.count == before)

                let accepted = try await post(api, body, signature: Self.signature(body))
                #expect(accepted.status == .ok)
                #expect(try await post(api, body, signature: Self.signature(body)).status == .ok)
                let conversations = try await api.call(.get, "conversations?channel=messenger", token: APIHarness.adminToken).items
                try #require(conversations.count == 1)
                let conversationId = try #require(conversations[0]["id"] as? String)
                let detail = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)
                let messages = try #require(detail["messages"] as? [[String: Any]])
                #expect(messages.count == 1)
                #expect(messages.first?["text"] as? String == "Do you ship to Spain?\n[image] https://cdn.example/p.jpg")

                // The secrets never show in the integration feed.
                let feed = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items
                let credentials = try #require(feed.first { $0["type"] as? String == "channel.credentials_set.v1" })
                #expect(((credentials["payload"] as? [String: Any])?["messenger"] as? [String: String])?["appSecret"] == "[redacted]")
                #expect(!String(decoding: try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).body, as: UTF8.self).contains(Self.appSecret))

                let reply = try await api.call(.post, "conversations/\(conversationId)/messages", token: o.anaToken, json: ["text": "Yes, in 3 days."])
                #expect(reply.status == .created)
                #expect(reply["delivery"] as? String == "queued")
                var delivery: String?
                for _ in 0..<250 where delivery != "sent" {
                    try await Task.sleep(for: .milliseconds(20))
                    let current = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)["messages"] as? [[String: Any]]
                    delivery = current?.last?["delivery"] as? String
                }
                #expect(delivery == "sent")
                // One refused try (500, transient), then the exact Send API request.
                let sent = try #require(graph.received.first)
                #expect(graph.received.count == 1)
                #expect(sent.path == "/v25.0/\(Self.pageId)/messages")
                #expect(sent.accessToken == "EAAB-page-token")
                let json = try #require(try JSONSerialization.jsonObject(with: sent.body) as? NSDictionary)
                #expect(json == ["recipient": ["id": "24680"], "messaging_type": "RESPONSE", "message": ["text": "Yes, in 3 days."]] as NSDictionary)
            }
        }
    }

    @Test func aReplyOutsideTheTwentyFourHourWindowIsRefused() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let graph = GraphAPIStandIn()
        try await graph.serve { graphURL in
            try await run(harness, graph: graphURL) { api in
                let o = try await Organisation.create(api)
                _ = try await connect(api, o)
                let old = Self.webhook(mid: "m_old", text: "Hello?", at: Date().addingTimeInterval(-25 * 3600))
                #expect(try await post(api, old, signature: Self.signature(old)).status == .ok)
                let conversationId = try #require(try await api.call(.get, "conversations?channel=messenger", token: APIHarness.adminToken).items.first?["id"] as? String)
                let refused = try await api.call(.post, "conversations/\(conversationId)/messages", token: o.anaToken, json: ["text": "Sorry for the wait"])
                #expect(refused.status == .unprocessableContent)
                #expect(refused.errorCode == "messaging_window_closed")
                #expect(graph.received.isEmpty)
                // A page connected twice is refused.
                let again = try await api.call(
                    .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken,
                    json: ["type": "messenger", "pageId": Self.pageId, "pageAccessToken": "t", "appSecret": "s", "verifyToken": "v"])
                #expect(again.status == .conflict)
                let incomplete = try await api.call(
                    .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "messenger", "pageId": "998877"])
                #expect(incomplete.status == .unprocessableContent)
            }
        }
    }
}
