import Foundation
import HTTPTypes
import InboxCore
import Testing
import TestSupport

/// The organisation a generated history happens in, created through the API: seven agents, three teams (one
/// agent in two), three inboxes reached directly and through teams, and every kind of channel, two chats with
/// bots among them.
struct HistoryOrganisation: Sendable {
    var users: [String: String] = [:]
    var tokens: [String: String] = [:]
    /// Team id -> its members.
    var teams: [String: [String]] = [:]
    /// Inbox name -> id.
    var inboxes: [String: String] = [:]
    /// Inbox id -> who may work in it.
    var members: [String: [String]] = [:]
    var channels: [HistoryChannel] = []

    func channel(_ type: String, in inbox: String) -> HistoryChannel {
        channels.first { $0.type == type && $0.inboxId == inboxes[inbox] }!
    }

    static let supportBot = ChatBotConfig(
        name: "Sam", greeting: "Hi! I'm Sam.", askForEmail: true,
        answers: [.init(keywords: ["delivery time", "shipping"], answer: "We ship within 2 working days.")], handoffKeywords: [])
    static let salesBot = ChatBotConfig(
        name: "Max", greeting: "Hello, Max here.", askForEmail: false,
        answers: [.init(keywords: ["delivery time"], answer: "Two working days.")], handoffKeywords: ["sales"])

    static func create(_ api: APIClient) async throws -> HistoryOrganisation {
        let admin = APIHarness.adminToken
        var o = HistoryOrganisation()
        func created(_ path: String, _ body: [String: Any]? = nil) async throws -> Answer {
            let answer = try await api.call(.post, path, token: admin, json: body)
            try #require(answer.status == .created, "\(path): \(String(decoding: answer.body, as: UTF8.self))")
            return answer
        }
        for name in ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus"] {
            let id = try #require(try await created("users", ["name": name, "email": "\(name.lowercased())@acme.test", "role": "agent"]).string("id"))
            o.users[name] = id
            if ["Ana", "Ben", "Dev"].contains(name) {
                let token: String = try #require(try await created("users/\(id)/tokens").string("token"))
                o.tokens[name] = token
            }
        }
        func team(_ name: String, _ memberNames: [String]) async throws -> String {
            let memberIds = memberNames.map { o.users[$0]! }
            let id = try #require(try await created("teams", ["name": name, "memberIds": memberIds]).string("id"))
            o.teams[id] = memberIds
            return id
        }
        let tier1 = try await team("Tier 1", ["Ana", "Ben", "Cleo"])
        let tier2 = try await team("Tier 2", ["Cleo", "Dev"])
        let closers = try await team("Closers", ["Fay", "Ana"])
        func inbox(_ name: String, members memberNames: [String], teams teamIds: [String]) async throws {
            let memberIds = memberNames.map { o.users[$0]! }
            let id = try #require(try await created("inboxes", ["name": name, "memberIds": memberIds, "teamIds": teamIds]).string("id"))
            o.inboxes[name] = id
            o.members[id] = Array(Set(memberIds + teamIds.flatMap { o.teams[$0]! })).sorted()
        }
        try await inbox("Support", members: [], teams: [tier1, tier2])
        try await inbox("Sales", members: ["Eli"], teams: [closers])
        try await inbox("Billing", members: ["Dev", "Gus"], teams: [])

        func channel(_ inbox: String, _ body: [String: Any], bot: ChatBotConfig? = nil) async throws {
            let inboxId = o.inboxes[inbox]!
            let id = try #require(try await created("inboxes/\(inboxId)/channels", body).string("id"))
            o.channels.append(HistoryChannel(id: id, type: body["type"] as! String, inboxId: inboxId, bot: bot))
        }
        func botJSON(_ bot: ChatBotConfig) -> [String: Any] {
            [
                "name": bot.name, "greeting": bot.greeting, "askForEmail": bot.askForEmail, "handoffKeywords": bot.handoffKeywords,
                "answers": bot.answers.map { ["keywords": $0.keywords, "answer": $0.answer] },
            ]
        }
        let formFields: [[String: Any]] = [
            ["name": "name", "label": "Your name", "required": true], ["name": "email", "label": "Email", "required": true],
            ["name": "message", "label": "How can we help?", "required": true],
        ]
        try await channel("Support", ["type": "email", "address": "support@acme.test"])
        let filters = try await api.call(
            .put, "inboxes/\(o.inboxes["Support"]!)/email-filters", token: admin,
            json: ["blockedSenders": [String](), "blockedDomains": ["spam.example"], "dropAutoReplies": true])
        try #require(filters.status == .ok, "\(String(decoding: filters.body, as: UTF8.self))")
        try await channel("Support", ["type": "chat", "name": "Support chat", "bot": botJSON(supportBot)], bot: supportBot)
        try await channel("Support", [
            "type": "messenger", "pageId": MessengerTests.pageId, "pageAccessToken": "EAAB-page-token", "appSecret": MessengerTests.appSecret,
            "verifyToken": "verify-me",
        ])
        try await channel("Support", ["type": "form", "name": "Contact us", "fields": formFields])
        try await channel("Sales", ["type": "email", "address": "sales@acme.test"])
        try await channel("Sales", ["type": "chat", "name": "Sales chat", "bot": botJSON(salesBot)], bot: salesBot)
        try await channel("Sales", ["type": "custom", "name": "Shop"])
        try await channel("Billing", [
            "type": "messenger", "pageId": "5566778899", "pageAccessToken": "EAAB-billing", "appSecret": "billing-secret-0123", "verifyToken": "verify",
        ])
        try await channel("Billing", ["type": "form", "name": "Billing question", "fields": formFields])
        try await channel("Billing", ["type": "custom", "name": "Billing import"])
        return o
    }
}
