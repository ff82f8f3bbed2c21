import EventLog
import Foundation
import HTTPTypes
import InboxAPI
import InboxCore
import Testing

/// API.md's conventions: errors for bad input that append nothing, If-Match, Idempotency-Key, pagination, dedupe.
@Suite struct APIContractTests {
    func head(_ api: APIClient) async throws -> Int {
        try #require(try await api.call(.get, "/healthz", token: nil)["logPosition"] as? Int)
    }

    @Test func badInputGetsTheDocumentedErrorAndAppendsNothing() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            let before = try await head(api)
            let admin = APIHarness.adminToken
            let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String)] = [
                (.post, "users", "{\"name\": ", .badRequest, "malformed_json"),
                (.post, "users", "", .badRequest, "malformed_json"),
                (.post, "users", "[1, 2]", .unprocessableContent, "invalid_value"),
                (.post, "users", #"{"name": "A", "email": "a@example.com", "role": "agent", "admin": true}"#, .unprocessableContent, "unknown_field"),
                (.post, "users", #"{"name": 5, "email": "a@example.com", "role": "agent"}"#, .unprocessableContent, "invalid_value"),
                (.post, "users", #"{"name": "A", "email": "a@example.com"}"#, .unprocessableContent, "invalid_value"),
                (.post, "users", #"{"name": "A", "email": "a@example.com", "role": "owner"}"#, .unprocessableContent, "invalid_value"),
                (.post, "users", #"{"name": "A", "email": "ana@example.com", "role": "agent"}"#, .conflict, "email_taken"),
                (.post, "users", #"{"name": "A", "email": "Admin@Switchboard.localhost", "role": "admin"}"#, .conflict, "email_taken"),
                (.post, "users", #"{"name": "  ", "email": "x@example.com", "role": "agent"}"#, .unprocessableContent, "invalid_value"),
                (.post, "teams", #"{"name": "T", "memberIds": ["nobody"]}"#, .unprocessableContent, "unknown_user"),
                (.post, "inboxes/\(o.inbox)/channels", #"{"type": "fax", "name": "F"}"#, .unprocessableContent, "unsupported_channel_type"),
                (.post, "channels/\(o.channel)/messages", #"{"from": {"email": "c@example.com", "phone": "1"}, "text": "x"}"#, .unprocessableContent, "unknown_field"),
                (.post, "channels/\(o.channel)/messages", #"{"from": {}, "text": "x"}"#, .unprocessableContent, "invalid_value"),
                (.post, "channels/\(o.channel)/messages", #"{"from": {"email": "c@example.com"}, "text": "x", "sentAt": "yesterday"}"#, .unprocessableContent, "invalid_value"),
                (.post, "conversations/\(conversation)/messages", #"{"text": "   "}"#, .unprocessableContent, "invalid_value"),
                (.put, "conversations/\(conversation)/assignee", #"{}"#, .unprocessableContent, "invalid_value"),
                (.put, "conversations/\(conversation)/assignee", #"{"userId": "nobody"}"#, .unprocessableContent, "invalid_assignee"),
                (.post, "conversations/\(conversation)/close", #"{"why": 1}"#, .unprocessableContent, "unknown_field"),
                (.post, "contacts", #"{"email": "not-an-email"}"#, .unprocessableContent, "invalid_value"),
                (.post, "contacts", #"{}"#, .unprocessableContent, "invalid_value"),
                (.get, "conversations?cursor=%%%", nil, .badRequest, "invalid_cursor"),
                (.get, "conversations?cursor=AAAA", nil, .badRequest, "invalid_cursor"),
                (.get, "conversations?limit=0", nil, .badRequest, "invalid_limit"),
                (.get, "conversations?limit=501", nil, .badRequest, "invalid_limit"),
                (.get, "conversations?status=maybe", nil, .badRequest, "invalid_query"),
                (.get, "events?after=-1", nil, .badRequest, "invalid_query"),
                (.get, "conversations/not%20an%20id", nil, .notFound, "not_found"),
                (.get, "conversations/0000", nil, .notFound, "not_found"),
                (.post, "channels/nope/messages", #"{"from": {"email": "c@example.com"}, "text": "x"}"#, .notFound, "not_found"),
                (.post, "conversations/\(conversation)/messages", #"{"text": "x"}"#, .badRequest, "invalid_if_match"),
            ]
            for (method, path, raw, status, code) in cases {
                let headers = code == "invalid_if_match" ? ["If-Match": "seven"] : [:]
                let answer = try await api.call(method, path, token: admin, raw: raw, headers: headers)
                #expect(answer.status == status, "\(method) \(path) \(raw ?? ""): \(String(decoding: answer.body, as: UTF8.self))")
                #expect(answer.errorCode == code, "\(method) \(path) \(raw ?? "")")
            }
            let oversized = "{\"text\": \"" + String(repeating: "x", count: 1 << 20) + "\"}"
            let tooLarge = try await api.call(.post, "conversations/\(conversation)/comments", token: admin, raw: oversized)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.errorCode == "payload_too_large")
            #expect(try await head(api) == before)
        }
    }

    @Test func twoAgentsReplyingAtOnceOneGetsAVersionConflict() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            let version = try #require(try await api.call(.get, "conversations/\(conversation)", token: o.anaToken)["version"] as? Int)
            let ana = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Mine"], headers: ["If-Match": "\(version)"])
            #expect(ana.status == .created)
            let ben = try await api.call(.post, "conversations/\(conversation)/messages", token: o.benToken, json: ["text": "No, mine"], headers: ["If-Match": "\(version)"])
            #expect(ben.status == .conflict)
            #expect(ben.errorCode == "version_conflict")
            let detail = try await api.call(.get, "conversations/\(conversation)", token: o.benToken)
            #expect((detail["messages"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["Where is my order?", "Mine"])
            #expect(detail["version"] as? Int == version + 1)
            let quoted = try await api.call(.post, "conversations/\(conversation)/close", token: o.benToken, headers: ["If-Match": "\"\(version + 1)\""])
            #expect(quoted.status == .ok)
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyAnswersTheFirstResponseAndAppendsNothing() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            let key = ["Idempotency-Key": "reply-1"]
            let first = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Once"], headers: key)
            #expect(first.status == .created)
            let afterFirst = try await head(api)
            let retry = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Once"], headers: key)
            #expect(retry.status == .created)
            #expect(retry.body == first.body)
            #expect(retry.logPosition == first.logPosition)
            #expect(try await head(api) == afterFirst)
            let other = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Twice"], headers: key)
            #expect(other.status == .conflict)
            #expect(other.errorCode == "idempotency_key_reused")
            // Keys belong to their caller: Ben's same key is his own request.
            let ben = try await api.call(.post, "conversations/\(conversation)/messages", token: o.benToken, json: ["text": "Once"], headers: key)
            #expect(ben.status == .created)
            #expect(ben.string("id") != first.string("id"))
            let detail = try await api.call(.get, "conversations/\(conversation)", token: o.anaToken)
            #expect((detail["messages"] as? [Any])?.count == 3)
        }
    }

    @Test func aRepeatedExternalMessageIdAnswersTheOriginalAndAppendsNothing() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let body: [String: Any] = ["from": ["externalId": "cust-9"], "text": "Hi", "externalMessageId": "m-1", "sentAt": "2026-11-24T10:00:00.000Z"]
            let first = try await api.call(.post, "channels/\(o.channel)/messages", token: APIHarness.adminToken, json: body)
            #expect(first.status == .created)
            let before = try await head(api)
            let again = try await api.call(.post, "channels/\(o.channel)/messages", token: APIHarness.adminToken, json: body)
            #expect(again.status == .ok)
            #expect(again.string("conversationId") == first.string("conversationId"))
            #expect(again.string("messageId") == first.string("messageId"))
            #expect(try await head(api) == before)
            let detail = try await api.call(.get, "conversations/\(first.string("conversationId")!)", token: o.anaToken)
            #expect((detail["messages"] as? [[String: Any]])?.first?["at"] as? String == "2026-11-24T10:00:00.000Z")
        }
    }

    @Test func aThousandConversationsPageNewestFirstWithoutGapsOrRepeats() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let base = Date(timeIntervalSince1970: 1_795_000_000)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in 0..<8 {
                    group.addTask {
                        for index in stride(from: batch, to: 1_000, by: 8) {
                            let sentAt = base.addingTimeInterval(Double(index))
                            let body: [String: Any] = [
                                "from": ["externalId": "v\(index)"], "text": "Message \(index)",
                                "sentAt": Timestamps.format(sentAt),
                            ]
                            let answer = try await api.call(.post, "channels/\(o.channel)/messages", token: APIHarness.adminToken, json: body)
                            try #require(answer.status == .created, "\(String(decoding: answer.body, as: UTF8.self))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "conversations?inboxId=\(o.inbox)&limit=64" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.call(.get, query, token: o.anaToken)
                try #require(page.status == .ok)
                seen += page.items.compactMap { $0["preview"] as? String }
                cursor = page.json["nextCursor"] as? String
                pages += 1
            } while cursor != nil
            #expect(pages == 16)
            #expect(seen.count == 1_000)
            let newestFirst = (0..<1_000).reversed().map { "Message \($0)" }
            #expect(seen.elementsEqual(newestFirst), "first out of order at \(String(describing: Array(zip(seen, newestFirst)).firstIndex { $0 != $1 }))")
            let filtered = try await api.call(.get, "conversations?q=message%20999", token: o.anaToken)
            #expect(filtered.items.count == 1)
        }
    }
}

