import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import NIOCore
import Testing

@testable import InboxAPI

/// Live chat through the real server: a WebSocket visitor talks to the channel's bot, is handed to the team,
/// and reads the agent's replies live and, after coming back, from the log.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ChatTests {
    nonisolated(unsafe) static let bot: [String: Any] = [
        "name": "Sam", "greeting": "Hi! I'm Sam, Acme's assistant.",
        "answers": [["keywords": ["shipping", "delivery time"], "answer": "We ship within 2 working days."]],
    ]

    /// The app on a real port; `body` gets the API and the port.
    func run(_ harness: APIHarness, _ body: @Sendable (APIClient, Int) async throws -> Void) async throws {
        let app = try await buildApplication(configuration: harness.configuration)
        try await app.test(.live) { client in
            try await body(APIClient(client: client), try #require(client.port))
        }
    }

    func chatChannel(_ api: APIClient, _ o: Organisation, bot: [String: Any]? = Self.bot) async throws -> String {
        var body: [String: Any] = ["type": "chat", "name": "Website chat"]
        if let bot { body["bot"] = bot }
        let channel = try await api.call(.post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: body)
        try #require(channel.status == .created, "\(String(decoding: channel.body, as: UTF8.self))")
        return try #require(channel.string("id"))
    }

    @Test func aVisitorTalksToTheBotIsHandedToTheTeamAndResumesAfterComingBack() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await run(harness) { api, port in
            let o = try await Organisation.create(api)
            let channelId = try await chatChannel(api, o)
            let routing = try await api.call(
                .put, "inboxes/\(o.inbox)/routing", token: APIHarness.adminToken, json: ["mode": "round_robin", "userIds": [o.ana], "onlyAvailable": false])
            #expect(routing.status == .ok)

            let first = try await ChatVisitorPeer.session(port: port, channelId: channelId, token: nil) { visitor in
                let session = try await visitor.next()
                #expect(session["type"] as? String == "session")
                #expect(session["conversationId"] is NSNull)

                try await visitor.send(["type": "message", "text": "How long does shipping take?", "clientMessageId": "c-1"])
                let echoed = try await visitor.next()
                #expect(echoed["direction"] as? String == "inbound")
                #expect(echoed["clientMessageId"] as? String == "c-1")
                #expect(try await visitor.next()["text"] as? String == "Hi! I'm Sam, Acme's assistant.")
                let answer = try await visitor.next()
                #expect(answer["text"] as? String == "We ship within 2 working days.")
                #expect(answer["authorType"] as? String == "bot")
                #expect(answer["authorName"] as? String == "Sam")

                // The bot has it: routing waits for the handoff.
                let conversations = try await api.call(.get, "conversations?channel=chat", token: APIHarness.adminToken).items
                let conversationId = try #require(conversations.first?["id"] as? String)
                #expect(conversations.first?["assigneeId"] is NSNull)

                // The same client message again appends nothing.
                try await visitor.send(["type": "message", "text": "How long does shipping take?", "clientMessageId": "c-1"])
                try await visitor.send(["type": "message", "text": "I want to talk to a human"])
                #expect(try await visitor.next()["direction"] as? String == "inbound")
                let ask = try await visitor.next()
                #expect((ask["text"] as? String)?.contains("email") == true)
                try await visitor.send(["type": "message", "text": "It's carla@example.com."])
                _ = try await visitor.next()
                #expect(try await visitor.next()["text"] as? String == "Thank you!")
                let handoff = try await visitor.next()
                #expect((handoff["text"] as? String)?.contains("connecting you with the team") == true)

                // Handed off: routed to Ana, and linked (just after) to the contact the email names, created now.
                var detail = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)
                #expect(detail["assigneeId"] as? String == o.ana)
                for _ in 0..<250 where detail["contactId"] is NSNull {
                    try await Task.sleep(for: .milliseconds(20))
                    detail = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)
                }
                let contactId = try #require(detail["contactId"] as? String)
                #expect(try await api.call(.get, "contacts/\(contactId)", token: o.anaToken)["email"] as? String == "carla@example.com")
                // The email is the visitor's from now on: their next conversations start with it.
                let identified = try await api.call(.get, "audit?type=chat.visitor_identified.v1", token: APIHarness.adminToken).items
                #expect((identified.first?["payload"] as? [String: Any])?["email"] as? String == "carla@example.com")

                // Ana's reply reaches the visitor live, with her name.
                let reply = try await api.call(.post, "conversations/\(conversationId)/messages", token: o.anaToken, json: ["text": "Hi Carla, Ana here."])
                #expect(reply.status == .created)
                #expect(reply["delivery"] as? String == "sent")
                let live = try await visitor.next()
                #expect(live["text"] as? String == "Hi Carla, Ana here.")
                #expect(live["authorType"] as? String == "user")
                #expect(live["authorName"] as? String == "Ana")
                return (try #require(session["visitorToken"] as? String), conversationId)
            }
            let (token, conversationId) = first

            // While the visitor is away, Ana writes again; the bot stays out of it from now on.
            _ = try await api.call(.post, "conversations/\(conversationId)/messages", token: o.anaToken, json: ["text": "Are you still there?"])
            let messages = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)["messages"] as? [[String: Any]]
            #expect(messages?.map { $0["authorType"] as? String } == ["contact", "bot", "bot", "contact", "bot", "contact", "bot", "bot", "user", "user"])

            try await ChatVisitorPeer.session(port: port, channelId: channelId, token: token) { visitor in
                let session = try await visitor.next()
                #expect(session["visitorToken"] as? String == token)
                #expect(session["conversationId"] as? String == conversationId)
                var history: [[String: Any]] = []
                for _ in 0..<10 { history.append(try await visitor.next()) }
                #expect(history.first?["text"] as? String == "How long does shipping take?")
                #expect(history.last?["text"] as? String == "Are you still there?")
                try await visitor.send(["type": "message", "text": "Yes, sorry!"])
                #expect(try await visitor.next()["text"] as? String == "Yes, sorry!")
            }
            let after = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)["messages"] as? [[String: Any]]
            #expect(after?.count == 11)
            // The bot report: one session, handed off after capturing the email; five bot messages in it.
            let bots = try await api.call(.get, "reports/bots", token: o.anaToken).items
            #expect(bots.count == 1)
            #expect(bots.first?["channelId"] as? String == channelId)
            #expect(bots.first?["sessions"] as? Int == 1 && bots.first?["handedOff"] as? Int == 1)
            #expect(bots.first?["emailsCaptured"] as? Int == 1 && bots.first?["resolvedByBot"] as? Int == 0)
            #expect(bots.first?["avgBotMessagesPerSession"] as? Double == 5)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theBotResolvesWhatItCanAndBadVisitorsAreTurnedAway() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await run(harness) { api, port in
            let o = try await Organisation.create(api)
            let channelId = try await chatChannel(api, o)
            let token = try await ChatVisitorPeer.session(port: port, channelId: channelId, token: nil) { visitor in
                let session = try await visitor.next()
                try await visitor.send(["type": "message", "text": "What's your delivery time?"])
                for _ in 0..<3 { _ = try await visitor.next() }
                try await visitor.send(["type": "message", "text": "Great, thanks!"])
                _ = try await visitor.next()
                let resolved = try await visitor.next()
                #expect((resolved["text"] as? String)?.contains("Glad I could help") == true)
                try await visitor.send(["type": "message", "text": ""])
                #expect(try await visitor.next()["code"] as? String == "invalid_frame")
                try await visitor.send(["type": "dance"])
                #expect(try await visitor.next()["code"] as? String == "invalid_frame")
                try await visitor.send(["type": "identify", "email": "not-an-email"])
                #expect(try await visitor.next()["code"] as? String == "invalid_email")
                return try #require(session["visitorToken"] as? String)
            }
            // Resolved by the bot alone: closed, never assigned, and every step on the log.
            let conversation = try #require(try await api.call(.get, "conversations?channel=chat", token: APIHarness.adminToken).items.first)
            #expect(conversation["status"] as? String == "closed")
            let types = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.compactMap { $0["type"] as? String }
            #expect(types.contains("conversation.bot_session_started.v1"))
            #expect(types.contains("conversation.bot_resolved.v1"))
            #expect(!types.contains("conversation.bot_handed_off.v1"))
            let bots = try await api.call(.get, "reports/bots", token: APIHarness.adminToken).items
            #expect(bots.first?["sessions"] as? Int == 1 && bots.first?["resolvedByBot"] as? Int == 1 && bots.first?["handedOff"] as? Int == 0)

            // Someone else's visitor id with a made-up secret, and a channel that is not a chat: an error frame, then
            // the socket closes with 1008 (policy violation).
            let forged = token.split(separator: ".")[0] + "." + String(repeating: "0", count: 64)
            let badToken = try await ChatVisitorPeer.refusal(port: port, channelId: channelId, token: String(forged))
            #expect(badToken.code == "invalid_token" && badToken.closeCode == 1008, "\(badToken)")
            let notAChat = try await ChatVisitorPeer.refusal(port: port, channelId: o.channel, token: nil)
            #expect(notAChat.code == "unknown_channel" && notAChat.closeCode == 1008, "\(notAChat)")
        }
    }

    @Test func theWidgetAndItsDemoPageAreServed() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let channelId = try await chatChannel(api, o, bot: nil)
            let script = try await api.call(.get, "/chat/widget.js", token: nil)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "application/javascript; charset=utf-8")
            #expect(String(decoding: script.body, as: UTF8.self).contains("/chat/ws"))
            let demo = try await api.call(.get, "/chat/demo?channelId=\(channelId)", token: nil)
            #expect(demo.status == .ok)
            let page = String(decoding: demo.body, as: UTF8.self)
            #expect(page.contains("data-channel-id=\"\(channelId)\""))
            #expect(!page.contains("{{CHANNEL_ID}}"))
            #expect(try await api.call(.get, "/chat/demo?channelId=%3Cscript%3E", token: nil).status == .badRequest)
            // A bot belongs to chat channels only, and its greeting is required.
            let misplaced = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "custom", "name": "X", "bot": ["greeting": "Hi"]])
            #expect(misplaced.status == .unprocessableContent)
            let noGreeting = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "chat", "name": "X", "bot": ["name": "Sam"]])
            #expect(noGreeting.status == .unprocessableContent)
        }
    }
}
