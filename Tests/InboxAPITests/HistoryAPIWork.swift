import Foundation
import HTTPTypes
import InboxCore
import Testing
import TestSupport

/// A week's end of a generated history worked through the real routes at the simulated clock: conversations
/// brought in by the integration API (a custom channel and an imported email), Messenger's webhook, a web form and
/// the chat socket, then assigned, answered, commented, closed and reopened by agents with their own tokens.
enum HistoryAPIWork {
    static func weekEnd(_ api: APIClient, port: Int, _ o: HistoryOrganisation, week: Int, clock: SimulatedClock) async throws {
        var random = SplitMix64(seed: UInt64(100 + week))
        func tick() { clock.move(to: clock.now.addingTimeInterval(Double(Int.random(in: 30...300, using: &random)))) }
        func succeeded(_ answer: Answer, _ what: String) throws {
            try #require((200..<300).contains(answer.status.code), "\(what): \(String(decoding: answer.body, as: UTF8.self))")
        }
        func receive(_ channel: HistoryChannel, _ body: [String: Any]) async throws -> String {
            tick()
            let answer = try await api.call(.post, "channels/\(channel.id)/messages", token: APIHarness.adminToken, json: body)
            try succeeded(answer, "an inbound message")
            return try #require(answer.string("conversationId"))
        }
        func act(_ method: HTTPRequest.Method, _ path: String, _ name: String, _ json: [String: Any]? = nil) async throws {
            tick()
            try succeeded(try await api.call(method, "conversations/" + path, token: o.tokens[name]!, json: json), path)
        }
        func sentAt(_ secondsBefore: Double) -> String { Timestamps.format(clock.now.addingTimeInterval(-secondsBefore)) }

        // The shop's integration: a question answered by Ana and closed; the customer writes again on the thread.
        let shop = o.channel("custom", in: "Sales")
        let thread = ["externalThreadId": "order-\(week)", "from": ["email": "buyer\(week)@example.com"]] as [String: Any]
        let order = try await receive(shop, thread.merging(["text": "Where is order \(week)?", "sentAt": sentAt(90)]) { $1 })
        try await act(.put, "\(order)/assignee", "Ana", ["userId": o.users["Ana"]!])
        try await act(.post, "\(order)/messages", "Ana", ["text": "It left the warehouse today."])
        try await act(.post, "\(order)/comments", "Ana", ["text": "The carrier confirmed it."])
        try await act(.post, "\(order)/close", "Ana")
        #expect(try await receive(shop, thread.merging(["text": "It has not arrived"]) { $1 }) == order)
        try await act(.post, "\(order)/messages", "Ana", ["text": "Sorry: another one is on its way."])

        // An imported email: answered and closed, reopened by Ben to follow up, answered and closed again.
        let email = try await receive(o.channel("email", in: "Support"), [
            "from": ["email": "importer\(week)@example.com", "name": "Ida"], "subject": "Refund", "text": "Please refund order \(week)",
            "sentAt": sentAt(3_600),
        ])
        let followUp: [(String, [String: Any]?)] = [
            ("messages", ["text": "Refunded."]), ("close", nil), ("reopen", nil), ("messages", ["text": "Did the refund arrive?"]), ("close", nil),
        ]
        for (path, body) in followUp { try await act(.post, "\(email)/\(path)", "Ben", body) }

        // Messenger's webhook, signed with the page's app secret; Dev answers within the 24-hour window.
        tick()
        var head = try await logHead(api)
        let webhook = MessengerTests.webhook(mid: "m-history-\(week)", text: "Is my parcel lost?", at: clock.now.addingTimeInterval(-3))
        let signature = ["X-Hub-Signature-256": MessengerTests.signature(webhook)]
        try succeeded(try await api.call(.post, "/webhooks/messenger", token: nil, raw: webhook, headers: signature), "the Messenger webhook")
        let messenger = try await conversation(after: head, api)
        try await act(.post, "\(messenger)/messages", "Dev", ["text": "Let me check."])

        // A web form: Dev gives it to Gus and answers.
        tick()
        let form = try await api.call(
            .post, "/forms/\(o.channel("form", in: "Billing").id)", token: nil,
            json: ["name": "Pat", "email": "pat\(week)@example.com", "message": "The invoice is missing"])
        try succeeded(form, "the form")
        let formConversation = try #require(form.string("conversationId"))
        try await act(.put, "\(formConversation)/assignee", "Dev", ["userId": o.users["Gus"]!])
        try await act(.post, "\(formConversation)/messages", "Dev", ["text": "Sent again."])

        // The chat socket: the visitor asks for a person and gives an email; the bot hands off; Ben answers, closes.
        tick()
        head = try await logHead(api)
        try await ChatVisitorPeer.session(port: port, channelId: o.channel("chat", in: "Support").id, token: nil) { visitor in
            #expect(try await visitor.next()["type"] as? String == "session")
            try await visitor.send(["type": "message", "text": "Can I talk to a human please?"])
            var frames: [String] = []
            for _ in 0..<3 { frames.append(try await visitor.next()["text"] as? String ?? "") }
            try await visitor.send(["type": "message", "text": "it's chat\(week)@example.com"])
            for _ in 0..<3 { frames.append(try await visitor.next()["text"] as? String ?? "") }
            #expect(frames.last?.contains("connecting you with the team") == true, "\(frames)")
        }
        let chat = try await conversation(after: head, api)
        try await act(.post, "\(chat)/messages", "Ben", ["text": "Hi, Ben here."])
        try await act(.post, "\(chat)/close", "Ben")

        if week == 2 {
            // A team formed after the first captured instant: the reports as of then knew nothing of it.
            tick()
            let team = try await api.call(
                .post, "teams", token: APIHarness.adminToken, json: ["name": "Night shift", "memberIds": [o.users["Ben"]!, o.users["Gus"]!]])
            try succeeded(team, "a new team")
        }
    }

    static func logHead(_ api: APIClient) async throws -> Int {
        try #require(try await api.call(.get, "/healthz", token: nil)["logPosition"] as? Int)
    }

    /// The conversation of the first message received after log position `head`.
    static func conversation(after head: Int, _ api: APIClient) async throws -> String {
        let events = try await api.call(.get, "events?after=\(head)&limit=500", token: APIHarness.adminToken).items
        let received = try #require(events.first { $0["type"] as? String == "conversation.message_received.v1" })
        return String(try #require(received["streamId"] as? String).dropFirst("conversation-".count))
    }
}
