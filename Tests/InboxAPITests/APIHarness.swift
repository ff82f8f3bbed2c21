import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InboxAPI
import NIOCore
import Testing
import TestSupport

/// A JSON answer as tests read it.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var logPosition: Int? { headers[HTTPField.Name("Log-Position")!].flatMap { Int($0) } }
    subscript(key: String) -> Any? { json[key] }
    func string(_ key: String) -> String? { json[key] as? String }
}

/// Talks to the app through `app.test(.router)` with a bearer token.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String?, json: Any? = nil, raw: String? = nil,
        headers extra: [String: String] = [:]
    ) async throws -> Answer {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            body = ByteBuffer(string: raw)
        }
        let uri = path.hasPrefix("/") ? path : "/api/v1/\(path)"
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Answer(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
        }
    }
}

/// A fresh data directory and the app over it; `run` can be called again on the same data (a restart).
struct APIHarness {
    static let adminToken = "admin-token-0123456789"
    let data = scratchDirectory("api-scenario")

    var configuration: AppConfiguration {
        var configuration = AppConfiguration()
        configuration.dataDirectory = data.path
        configuration.adminToken = Self.adminToken
        configuration.announceGeneratedAdminToken = { _ in }
        return configuration
    }

    func run(_ body: @Sendable (APIClient) async throws -> Void) async throws {
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in try await body(APIClient(client: client)) }
    }

    /// `run`, carrying a result out of the app's lifetime.
    func runReturning<R: Sendable>(_ body: @Sendable (APIClient) async throws -> R) async throws -> R {
        let box = ResultBox<R>()
        try await run { api in await box.set(try await body(api)) }
        return try #require(await box.value)
    }

    func remove() { try? FileManager.default.removeItem(at: data) }
}

/// A small organisation: two agents in a team, the team in an inbox with a custom channel, and an outsider.
struct Organisation: Sendable {
    var ana: String
    var anaToken: String
    var ben: String
    var benToken: String
    var outsider: String
    var outsiderToken: String
    var team: String
    var inbox: String
    var channel: String
    var otherInbox: String

    static func create(_ api: APIClient) async throws -> Organisation {
        let admin = APIHarness.adminToken
        func user(_ name: String) async throws -> (String, String) {
            let created = try await api.call(.post, "users", token: admin, json: ["name": name, "email": "\(name.lowercased())@example.com", "role": "agent"])
            try #require(created.status == .created, "\(String(decoding: created.body, as: UTF8.self))")
            let id = try #require(created.string("id"))
            let token = try await api.call(.post, "users/\(id)/tokens", token: admin)
            return (id, try #require(token.string("token")))
        }
        let (ana, anaToken) = try await user("Ana")
        let (ben, benToken) = try await user("Ben")
        let (outsider, outsiderToken) = try await user("Olga")
        let team = try #require(try await api.call(.post, "teams", token: admin, json: ["name": "Support", "memberIds": [ben]]).string("id"))
        let inbox = try await api.call(.post, "inboxes", token: admin, json: ["name": "Support", "memberIds": [ana], "teamIds": [team]])
        try #require(inbox.status == .created)
        let inboxId = try #require(inbox.string("id"))
        let channel = try await api.call(.post, "inboxes/\(inboxId)/channels", token: admin, json: ["type": "custom", "name": "Shop"])
        try #require(channel.status == .created)
        let other = try await api.call(.post, "inboxes", token: admin, json: ["name": "Sales", "memberIds": [outsider]])
        return Organisation(
            ana: ana, anaToken: anaToken, ben: ben, benToken: benToken, outsider: outsider, outsiderToken: outsiderToken,
            team: team, inbox: inboxId, channel: try #require(channel.string("id")), otherInbox: try #require(other.string("id")))
    }

    /// An inbound message on the custom channel; answers the conversation id.
    @discardableResult
    func receive(
        _ api: APIClient, from email: String = "carla@example.com", text: String = "Where is my order?",
        extra: [String: Any] = [:]
    ) async throws -> String {
        var body: [String: Any] = ["from": ["email": email, "name": "Carla"], "text": text, "subject": "Order 1234"]
        body.merge(extra) { $1 }
        let answer = try await api.call(.post, "channels/\(channel)/messages", token: APIHarness.adminToken, json: body)
        try #require(answer.status == .created, "\(String(decoding: answer.body, as: UTF8.self))")
        return try #require(answer.string("conversationId"))
    }
}

/// Carries a value out of a `@Sendable` closure.
actor ResultBox<Value: Sendable> {
    var value: Value?
    func set(_ value: Value) { self.value = value }
}
