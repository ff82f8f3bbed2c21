import EmailChannel
import Foundation
import HTTPTypes
import HummingbirdTesting
import InboxCore
import Testing

@testable import InboxAPI

/// Notification emails reach a real SMTP server (aiosmtpd) through the relay, gathered per user as the
/// preferences say, and nothing pending is lost across a restart.
@Suite(.serialized) struct NotificationEmailTests {
    static let policy = NotificationEmailPolicy(
        gatherFor: .milliseconds(600), minimumInterval: .milliseconds(1_500), retryDelays: [.milliseconds(200)])

    func configuration(_ harness: APIHarness, relay: SMTPSink?, policy: NotificationEmailPolicy = Self.policy) -> AppConfiguration {
        var configuration = harness.configuration
        if let relay {
            var relayConfiguration = SMTPRelay.Configuration(host: "127.0.0.1", port: relay.port)
            relayConfiguration.security = .none
            configuration.smtpRelay = relayConfiguration
        }
        configuration.notificationEmailPolicy = policy
        return configuration
    }

    func run(_ configuration: AppConfiguration, _ body: @Sendable (APIClient) async throws -> Void) async throws {
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in try await body(APIClient(client: client)) }
    }

    func events(_ api: APIClient, type: String) async throws -> [[String: Any]] {
        try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.filter { $0["type"] as? String == type }
    }

    /// The events of `type` once there are `count` of them (the relay's 250 comes just before the append).
    func waitForEvents(_ api: APIClient, type: String, count: Int = 1) async throws -> [[String: Any]] {
        for _ in 0..<500 {
            let found = try await events(api, type: type)
            if found.count >= count { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await events(api, type: type)
    }

    @Test func mentionsAndAssignmentsAreEmailedTogetherAsThePreferencesSay() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let sink = try await SMTPSink()
        defer { sink.stop() }
        // A gathering window wide enough for the three actions below even on a busy machine.
        let policy = NotificationEmailPolicy(
            gatherFor: .seconds(3), minimumInterval: .seconds(4), retryDelays: [.milliseconds(200)])
        try await run(configuration(harness, relay: sink, policy: policy)) { api in
            let o = try await Organisation.create(api)
            // Ana: assignments by email only, mentions both ways, new messages not at all. Ben keeps the defaults.
            let preferences = try await api.call(
                .put, "users/me/notification-preferences", token: o.anaToken,
                json: ["assigned": ["email"], "newMessage": [], "mention": ["inApp", "email"]])
            #expect(preferences.status == .ok)
            let conversation = try await o.receive(api)
            _ = try await api.call(.put, "conversations/\(conversation)/assignee", token: o.benToken, json: ["userId": o.ana])
            _ = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@\(o.ana) can you check the tracking number?"])
            _ = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@\(o.ana) and the invoice, please"])
            try await o.receive(api, text: "Hello again?", extra: ["externalThreadId": "t-9"])

            // One email for the three, not three emails.
            let first = try await sink.waitForMessages(1)
            try #require(first.count == 1)
            let email = first[0]
            #expect(email.rcptTos == ["ana@example.com"])
            #expect(email.mailFrom == "notifications@switchboard.localhost")
            #expect(email.header("From") == "Switchboard <notifications@switchboard.localhost>")
            #expect(email.header("To") == "Ana <ana@example.com>")
            #expect(email.header("Subject") == "3 updates in your Switchboard inbox")
            #expect(email.header("Auto-Submitted") == "auto-generated")
            let text = try #require(email.text)
            #expect(text.contains("Ben assigned you \u{201C}Order 1234\u{201D} (conversation \(conversation))"))
            #expect(text.contains("Ben mentioned you on \u{201C}Order 1234\u{201D}"))
            #expect(text.contains("> @\(o.ana) can you check the tracking number?"))
            #expect(text.contains("> @\(o.ana) and the invoice, please"))
            #expect(!text.contains("Hello again?"))

            // In the app Ana sees the mentions only; the emails are in the log, naming what they told of.
            let feed = try await api.call(.get, "users/me/notifications", token: o.anaToken).items
            #expect(feed.map { $0["kind"] as? String } == ["mention", "mention"])
            let sent = try await waitForEvents(api, type: "notification.email_sent.v1")
            let payload = try #require(sent.first?["payload"] as? [String: Any])
            #expect(payload["userId"] as? String == o.ana)
            #expect((payload["notificationIds"] as? [String])?.count == 3)
            #expect(Set(feed.compactMap { $0["id"] as? String }).isSubset(of: Set(payload["notificationIds"] as? [String] ?? [])))

            // Another mention waits out the minimum interval, then goes alone.
            _ = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@\(o.ana) never mind, solved"])
            let second = try await sink.waitForMessages(2)
            try #require(second.count == 2)
            #expect(second[1].header("Subject") == "Ben mentioned you on \u{201C}Order 1234\u{201D}")
            #expect(second[1].text?.contains("> @\(o.ana) never mind, solved") == true)
            // Ben mentioned himself nowhere and was assigned nothing: no email for him.
            #expect(second.allSatisfy { $0.rcptTos == ["ana@example.com"] })
        }
    }

    @Test func pendingEmailsSurviveARestartAndARefusingRelayIsTriedAgain() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        // No relay at first: the notification waits in the log-derived queue.
        let o = try await harness.runReturning { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            _ = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@\(o.ana) look"])
            return o
        }
        let sink = try await SMTPSink(refuseFirst: 1)
        defer { sink.stop() }
        // Rebuilt views must hold the same queue: the pending email comes from the log, not from memory.
        try FileManager.default.removeItem(atPath: harness.configuration.viewsDirectory)
        try await run(configuration(harness, relay: sink)) { api in
            let delivered = try await sink.waitForMessages(1)
            try #require(delivered.count == 1)
            #expect(delivered[0].header("Subject") == "Ben mentioned you on \u{201C}Order 1234\u{201D}")
            #expect(delivered[0].rcptTos == ["ana@example.com"])
            // The refused try left no outcome; the accepted one did.
            #expect(try await waitForEvents(api, type: "notification.email_sent.v1").count == 1)
            #expect(try await events(api, type: "notification.email_abandoned.v1").isEmpty)
            _ = o
        }
    }

    @Test func aRelayThatRejectsTheAddressEndsTheQueueWithTheReason() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let sink = try await SMTPSink(reject: true)
        defer { sink.stop() }
        try await run(configuration(harness, relay: sink)) { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            _ = try await api.call(.put, "conversations/\(conversation)/assignee", token: o.benToken, json: ["userId": o.ana])
            let abandoned = try await waitForEvents(api, type: "notification.email_abandoned.v1")
            let payload = try #require(abandoned.first?["payload"] as? [String: Any])
            #expect(payload["userId"] as? String == o.ana)
            #expect((payload["reason"] as? String)?.contains("550") == true)
            #expect(abandoned.first?["actor"] as? [String: String] == ["kind": "system", "id": "notification-email"])
            #expect(try sink.messages().isEmpty)
        }
    }
}
