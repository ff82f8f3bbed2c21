import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InboxCore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import InboxAPI

/// A webhook receiver over real HTTP that refuses its first `failures` requests.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var body: Data
        var signature: String?
        var eventId: String?
    }

    let failures: Int
    private let state = Mutex<(requests: Int, deliveries: [Delivery])>((0, []))

    init(failures: Int) {
        self.failures = failures
    }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    var requests: Int { state.withLock { $0.requests } }

    /// Runs the receiver while `body` runs, giving it the receiver's URL.
    func serve(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.post("hook") { request, context -> HTTPResponse.Status in
            let bytes = Data(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let delivery = Delivery(
                body: bytes, signature: request.headers[HTTPField.Name("X-Switchboard-Signature")!],
                eventId: request.headers[HTTPField.Name("X-Switchboard-Delivery")!])
            return self.state.withLock { state in
                state.requests += 1
                guard state.requests > self.failures else { return .internalServerError }
                state.deliveries.append(delivery)
                return .noContent
            }
        }
        try await serveLocally(router) { port in try await body("http://127.0.0.1:\(port)/hook") }
    }
}

@Suite struct WebhookDeliveryTests {
    static let secret = "whsec-0123456789abcdef"
    static let types = ["conversation.started.v1", "conversation.message_received.v1", "conversation.reply_posted.v1"]

    func harness() -> (APIHarness, AppConfiguration) {
        let harness = APIHarness()
        var configuration = harness.configuration
        configuration.webhooks.retryBase = .milliseconds(10)
        configuration.webhooks.retryMaximum = .milliseconds(40)
        return (harness, configuration)
    }

    func run(_ configuration: AppConfiguration, _ body: @Sendable (APIClient) async throws -> Void) async throws {
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in try await body(APIClient(client: client)) }
    }

    /// Waits until the receiver holds every one of `eventIds`.
    func waitForDeliveries(_ receiver: WebhookReceiver, of eventIds: Set<String>) async throws {
        for _ in 0..<1_000 {
            if eventIds.isSubset(of: Set(receiver.deliveries.compactMap(\.eventId))) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("missing deliveries: \(eventIds.subtracting(receiver.deliveries.compactMap(\.eventId)))")
    }

    func expectedEvents(_ api: APIClient, after: Int = 0) async throws -> [[String: Any]] {
        let feed = try await api.call(.get, "events?after=\(after)&limit=500", token: APIHarness.adminToken)
        return feed.items.filter { Self.types.contains($0["type"] as? String ?? "") }
    }

    @Test func aReceiverThatFailsAtFirstGetsEveryEventSignedAndInOrderAcrossARestart() async throws {
        let (harness, configuration) = harness()
        defer { harness.remove() }
        let receiver = WebhookReceiver(failures: 3)
        try await receiver.serve { url in
            try await run(configuration) { api in
                let o = try await Organisation.create(api)
                let registered = try await api.call(.post, "webhooks", token: APIHarness.adminToken, json: ["url": url, "eventTypes": Self.types, "secret": Self.secret])
                #expect(registered.status == .created)
                #expect(registered.json["secret"] == nil)
                let webhook = try #require(registered.string("id"))
                for index in 0..<3 {
                    let conversation = try await o.receive(api, text: "First \(index)", extra: ["externalThreadId": "t\(index)"])
                    try await o.receive(api, text: "Second \(index)", extra: ["externalThreadId": "t\(index)"])
                    _ = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Reply \(index)"])
                }
                let expected = try await expectedEvents(api)
                #expect(expected.count == 12)
                try await waitForDeliveries(receiver, of: Set(expected.compactMap { $0["eventId"] as? String }))

                let attempts = try await api.call(.get, "webhooks/\(webhook)/deliveries?limit=500", token: APIHarness.adminToken)
                #expect(attempts.items.filter { $0["succeeded"] as? Bool == false }.count == 3)
                #expect(attempts.items.last?["status"] as? Int == 500)
                #expect(attempts.items.last?["attempt"] as? Int == 1)
                let feed = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken)
                let registration = feed.items.first { $0["type"] as? String == "webhook.registered.v1" }
                #expect((registration?["payload"] as? [String: Any])?["secret"] as? String == "[redacted]")
            }
            // After a restart deliveries resume where they stopped.
            try await run(configuration) { api in
                let head = try #require(try await api.call(.get, "/healthz", token: nil)["logPosition"] as? Int)
                let inbox = try #require(try await api.call(.get, "inboxes", token: APIHarness.adminToken).items.first.flatMap { $0["id"] as? String })
                let channels = try await api.call(.get, "inboxes/\(inbox)/channels", token: APIHarness.adminToken)
                let channelId = try #require(channels.items.first?["id"] as? String)
                _ = try await api.call(.post, "channels/\(channelId)/messages", token: APIHarness.adminToken, json: ["from": ["email": "late@example.com"], "text": "After the restart"])
                let expected = try await expectedEvents(api, after: head)
                #expect(expected.count == 2)
                try await waitForDeliveries(receiver, of: Set(expected.compactMap { $0["eventId"] as? String }))
            }
        }

        // Every delivery is signed with the secret over the exact body, and each conversation's events arrive in
        // log order.
        var lastPosition: [String: Int] = [:]
        for delivery in receiver.deliveries {
            let mac = HMAC<SHA256>.authenticationCode(for: delivery.body, using: SymmetricKey(data: Data(Self.secret.utf8)))
            #expect(delivery.signature == "sha256=" + Hex.encode(mac))
            let envelope = try #require(try JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])
            let stream = try #require(envelope["streamId"] as? String)
            let position = try #require(envelope["position"] as? Int)
            #expect(position >= lastPosition[stream, default: 0], "\(stream) out of order")
            lastPosition[stream] = position
        }
        #expect(Set(receiver.deliveries.compactMap(\.eventId)).count == 14)
    }

    @Test func aWebhookThatKeepsFailingIsDisabledWithTheReason() async throws {
        var (harness, configuration) = harness()
        defer { harness.remove() }
        configuration.webhooks.disableAfter = 0.2
        let receiver = WebhookReceiver(failures: .max)
        try await receiver.serve { url in
            try await run(configuration) { api in
                let o = try await Organisation.create(api)
                let webhook = try #require(try await api.call(.post, "webhooks", token: APIHarness.adminToken, json: ["url": url, "eventTypes": ["*"], "secret": Self.secret]).string("id"))
                try await o.receive(api)
                var listed: [String: Any]?
                for _ in 0..<500 {
                    listed = try await api.call(.get, "webhooks", token: APIHarness.adminToken).items.first { $0["id"] as? String == webhook }
                    if listed?["active"] as? Bool == false { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(listed?["active"] as? Bool == false)
                #expect((listed?["disabledReason"] as? String)?.contains("HTTP 500") == true)
            }
        }
        #expect(receiver.requests >= 2)
    }

    @Test func registrationsAreCheckedAndAdminOnly() async throws {
        let (harness, configuration) = harness()
        defer { harness.remove() }
        try await run(configuration) { api in
            let o = try await Organisation.create(api)
            let good: [String: Any] = ["url": "https://example.com/hook", "eventTypes": ["*"], "secret": Self.secret]
            #expect(try await api.call(.post, "webhooks", token: o.anaToken, json: good).status == .forbidden)
            for (field, value) in [("url", "ftp://example.com"), ("url", "not a url"), ("secret", "short")] as [(String, Any)] {
                var body = good
                body[field] = value
                #expect(try await api.call(.post, "webhooks", token: APIHarness.adminToken, json: body).status == .unprocessableContent, "\(field)")
            }
            var empty = good
            empty["eventTypes"] = [String]()
            #expect(try await api.call(.post, "webhooks", token: APIHarness.adminToken, json: empty).status == .unprocessableContent)
            #expect(try await api.call(.get, "webhooks/nope/deliveries", token: APIHarness.adminToken).status == .notFound)
        }
    }
}
