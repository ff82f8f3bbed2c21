import EmailChannel
import Foundation
import HTTPTypes
import HummingbirdTesting
import InboxCore
import Testing
import TestSupport

@testable import InboxAPI

/// Email for real: Python's smtplib sends to the SMTP listener, and replies leave through an aiosmtpd relay.
@Suite(.serialized) struct EmailEndToEndTests {
    /// The app with an SMTP listener on a free port and, when given, a relay; `body` gets the API and the port.
    func run(
        _ harness: APIHarness, relay: SMTPSink?, retryDelays: [Duration] = [.milliseconds(200)],
        _ body: @Sendable (APIClient, Int) async throws -> Void
    ) async throws {
        var configuration = harness.configuration
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        configuration.smtpPort = 0
        configuration.onSMTPListening = { port in continuation.yield(port) }
        if let relay {
            var relayConfiguration = SMTPRelay.Configuration(host: "127.0.0.1", port: relay.port)
            relayConfiguration.security = .none
            configuration.smtpRelay = relayConfiguration
        }
        configuration.emailDeliveryPolicy = DeliveryPolicy(retryDelays: retryDelays)
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(APIClient(client: client), port)
        }
    }

    static let firstMail = """
        From: =?UTF-8?Q?Carla_P=C3=A9rez?= <Carla@Example.com>
        To: Acme Support <support@acme.example>
        Subject: =?UTF-8?B?UsOpY2xhbWF0aW9uIGNvbW1hbmRlIDQy?=
        Message-ID: <first.1@mail.example.com>
        Date: Tue, 24 Nov 2026 09:30:00 +0100
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        --outer
        Content-Type: text/plain; charset=iso-8859-1
        Content-Transfer-Encoding: quoted-printable

        Ma commande n'est pas arriv=E9e.
        --outer
        Content-Type: application/pdf; name="facture.pdf"
        Content-Disposition: attachment; filename="facture.pdf"
        Content-Transfer-Encoding: base64

        JVBERi0xLjcKJcfsj6IK
        --outer--

        """

    func waitForDelivery(_ api: APIClient, _ conversation: String, _ messageId: String, toBe status: String) async throws -> [String: Any]? {
        for _ in 0..<1_500 {
            let detail = try await api.call(.get, "conversations/\(conversation)", token: APIHarness.adminToken)
            let message = (detail["messages"] as? [[String: Any]])?.first { $0["id"] as? String == messageId }
            if message?["delivery"] as? String == status { return message }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test func aMailBecomesAConversationTheReplyArrivesThreadedAndTheAnswerJoinsIt() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let sink = try await SMTPSink()
        defer { sink.stop() }
        try await run(harness, relay: sink) { api, port in
            let o = try await Organisation.create(api)
            let channel = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "email", "address": "support@acme.example"])
            #expect(channel.status == .created)
            let sent = try await SMTPClientPeer.send(port: port, from: "carla@example.com", to: ["Support@Acme.example"], message: Self.firstMail)
            #expect(sent.code == nil, "\(sent)")

            let list = try await api.call(.get, "conversations?inboxId=\(o.inbox)", token: o.anaToken)
            #expect(list.items.count == 1)
            let conversation = try #require(list.items.first?["id"] as? String)
            #expect(list.items.first?["subject"] as? String == "Réclamation commande 42")
            #expect(list.items.first?["channelType"] as? String == "email")
            let detail = try await api.call(.get, "conversations/\(conversation)", token: o.anaToken)
            let first = try #require((detail["messages"] as? [[String: Any]])?.first)
            #expect((first["text"] as? String)?.contains("Ma commande n'est pas arrivée.") == true)
            #expect(first["at"] as? String == "2026-11-24T08:30:00.000Z")
            let attachment = try #require((first["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["name"] as? String == "facture.pdf")
            #expect(attachment["contentType"] as? String == "application/pdf")
            #expect(attachment["size"] as? Int == 15)
            let bytes = try await api.call(.get, try #require(attachment["url"] as? String), token: o.anaToken)
            #expect(bytes.status == .ok)
            #expect(bytes.body == Data(base64Encoded: "JVBERi0xLjcKJcfsj6IK"))
            #expect(bytes.headers[.contentDisposition]?.contains("facture.pdf") == true)

            let reply = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Nous regardons."])
            let replyId = try #require(reply.string("id"))
            let delivered = try await sink.waitForMessages(1)
            let out = try #require(delivered.first)
            #expect(out.mailFrom == "support@acme.example")
            #expect(out.rcptTos == ["carla@example.com"])
            #expect(out.header("From") == "Support <support@acme.example>")
            #expect(out.header("To") == "carla@example.com")
            #expect(out.header("Subject") == "Re: Réclamation commande 42")
            #expect(out.header("Message-ID") == "<\(replyId)@switchboard.localhost>")
            #expect(out.header("In-Reply-To") == "<first.1@mail.example.com>")
            #expect(out.header("References") == "<first.1@mail.example.com>")
            #expect(out.text?.trimmingCharacters(in: .whitespacesAndNewlines) == "Nous regardons.")
            #expect(try await waitForDelivery(api, conversation, replyId, toBe: "sent") != nil)

            let answer = """
                From: Carla <carla@example.com>
                To: support@acme.example
                Subject: Re: Re: Réclamation commande 42
                Message-ID: <second.2@mail.example.com>
                In-Reply-To: <\(replyId)@switchboard.localhost>
                References: <first.1@mail.example.com> <\(replyId)@switchboard.localhost>

                Merci !

                """
            #expect(try await SMTPClientPeer.send(port: port, from: "carla@example.com", to: ["support@acme.example"], message: answer).code == nil)
            // The same Message-ID again appends nothing.
            #expect(try await SMTPClientPeer.send(port: port, from: "carla@example.com", to: ["support@acme.example"], message: answer).code == nil)
            let threaded = try await api.call(.get, "conversations/\(conversation)", token: o.anaToken)
            #expect((threaded["messages"] as? [[String: Any]])?.map { $0["direction"] as? String } == ["inbound", "outbound", "inbound"])
            #expect(try await api.call(.get, "conversations?inboxId=\(o.inbox)", token: o.anaToken).items.count == 1)
        }
    }

    @Test func unknownAddressesAreRefusedAndTheFallbackAddressReachesItsInbox() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await run(harness, relay: nil) { api, port in
            let o = try await Organisation.create(api)
            let refused = try await SMTPClientPeer.send(port: port, from: "a@example.com", to: ["nobody@acme.example"], message: "Subject: x\n\nhi\n")
            #expect(refused.code == 550)
            let fallback = try #require(try await api.call(.get, "inboxes/\(o.inbox)", token: APIHarness.adminToken).string("fallbackEmail"))
            let plain = "From: dan@example.net\nSubject: No connected address\n\nHello fallback\n"
            #expect(try await SMTPClientPeer.send(port: port, from: "dan@example.net", to: [fallback], message: plain).code == nil)
            let list = try await api.call(.get, "conversations?inboxId=\(o.inbox)", token: APIHarness.adminToken)
            #expect(list.items.map { $0["subject"] as? String } == ["No connected address"])
            #expect(list.items.first?["channelId"] as? String == o.inbox)
            // A reply on it is queued from the fallback address (no relay here: it waits).
            let conversation = try #require(list.items.first?["id"] as? String)
            let reply = try await api.call(.post, "conversations/\(conversation)/messages", token: APIHarness.adminToken, json: ["text": "Hi"])
            #expect(reply.string("delivery") == "queued")
        }
    }

    @Test func automaticRepliesAndBlockedSendersAreKeptAsFilteredAndNeverAnswered() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let sink = try await SMTPSink()
        defer { sink.stop() }
        try await run(harness, relay: sink) { api, port in
            let o = try await Organisation.create(api)
            _ = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "email", "address": "support@acme.example"])
            _ = try await api.call(
                .put, "inboxes/\(o.inbox)/email-filters", token: APIHarness.adminToken, json: ["blockedDomains": ["spam.example"]])
            let autoReply = "From: ooo@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nAway until Monday.\n"
            let bulk = "From: news@example.org\nSubject: Newsletter\nPrecedence: bulk\n\nNews.\n"
            let blocked = "From: deals@mail.spam.example\nSubject: Offer\n\nBuy.\n"
            let bounce = "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n\nGone.\n"
            for (sender, mail) in [("ooo@example.org", autoReply), ("news@example.org", bulk), ("deals@mail.spam.example", blocked), ("", bounce)] {
                #expect(try await SMTPClientPeer.send(port: port, from: sender, to: ["support@acme.example"], message: mail).code == nil)
            }
            #expect(try await api.call(.get, "conversations?inboxId=\(o.inbox)", token: o.anaToken).items.isEmpty)
            let filtered = try await api.call(.get, "conversations?inboxId=\(o.inbox)&status=filtered", token: o.anaToken)
            #expect(Set(filtered.items.compactMap { $0["subject"] as? String }) == ["Out of office", "Newsletter", "Offer", "Undelivered Mail"])
            let one = try #require(filtered.items.first?["id"] as? String)
            let reply = try await api.call(.post, "conversations/\(one)/messages", token: o.anaToken, json: ["text": "Thanks"])
            #expect(reply.status == .conflict)
            let events = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.compactMap { $0["type"] as? String }
            #expect(!events.contains("conversation.message_received.v1"))
            #expect(events.filter { $0 == "conversation.message_filtered.v1" }.count == 4)
            #expect(try sink.messages().isEmpty)
        }
    }

    @Test func aRefusedDeliveryIsRetriedAQueuedOneSurvivesARestartAndARejectedOneFails() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let mail = "From: carla@example.com\nTo: support@acme.example\nSubject: Help\nMessage-ID: <h1@example.com>\n\nHelp me\n"
        // No relay at first: the reply waits in the outbox.
        let (conversation, queued) = try await harness.runEmail(self, relay: nil) { api, port in
            let o = try await Organisation.create(api)
            _ = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "email", "address": "support@acme.example"])
            #expect(try await SMTPClientPeer.send(port: port, from: "carla@example.com", to: ["support@acme.example"], message: mail).code == nil)
            let conversation = try #require(try await api.call(.get, "conversations", token: APIHarness.adminToken).items.first?["id"] as? String)
            let reply = try await api.call(.post, "conversations/\(conversation)/messages", token: APIHarness.adminToken, json: ["text": "On it"])
            return (conversation, try #require(reply.string("id")))
        }
        // After a restart with a relay that refuses once, it goes out on the retry.
        let sink = try await SMTPSink(refuseFirst: 1)
        defer { sink.stop() }
        try await run(harness, relay: sink) { api, _ in
            let sent = try await waitForDelivery(api, conversation, queued, toBe: "sent")
            #expect(sent != nil)
            #expect(sent?["deliveryError"] == nil)
            #expect(try await sink.waitForMessages(1).map(\.rcptTos) == [["carla@example.com"]])
            let types = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.compactMap { $0["type"] as? String }
            #expect(types.filter { $0.hasPrefix("delivery.") } == ["delivery.retry_scheduled.v1", "delivery.sent.v1"])
        }
        // A relay that rejects: the delivery fails with the reason, visible in the conversation.
        let rejecting = try await SMTPSink(reject: true)
        defer { rejecting.stop() }
        try await run(harness, relay: rejecting) { api, _ in
            let reply = try await api.call(.post, "conversations/\(conversation)/messages", token: APIHarness.adminToken, json: ["text": "Again"])
            let failed = try await waitForDelivery(api, conversation, try #require(reply.string("id")), toBe: "failed")
            #expect((failed?["deliveryError"] as? String)?.contains("550") == true)
        }
    }
}

extension APIHarness {
    /// `EmailEndToEndTests.run`, carrying a result out.
    func runEmail<R: Sendable>(
        _ suite: EmailEndToEndTests, relay: SMTPSink?, _ body: @Sendable @escaping (APIClient, Int) async throws -> R
    ) async throws -> R {
        let box = ResultBox<R>()
        try await suite.run(self, relay: relay) { api, port in await box.set(try await body(api, port)) }
        return try #require(await box.value)
    }
}
