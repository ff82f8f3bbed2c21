import Foundation
import HTTPTypes
import InboxAPI
import Testing

/// Every endpoint × admin / member agent / non-member agent / no token.
@Suite struct AuthorisationMatrixTests {
    struct Row {
        var method: HTTPRequest.Method
        var path: String
        var body: [String: Any]?
        /// Expected status for admin, member agent, non-member agent, no token.
        var expected: [HTTPResponse.Status]
    }

    @Test func everyEndpointAnswersEachKindOfCallerAsTheContractSays() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            let contact = try #require(
                try await api.call(.post, "conversations/\(conversation)/contact", token: o.anaToken, json: [:]).string("id"))
            var counter = 0
            func unique() -> String {
                counter += 1
                return "someone\(counter)@example.com"
            }
            let rows: [Row] = [
                Row(method: .get, path: "users", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .get, path: "users/\(o.ana)", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .get, path: "users/me", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .post, path: "users", body: ["name": "N", "email": "@", "role": "agent"], expected: [.unprocessableContent, .forbidden, .forbidden, .unauthorized]),
                Row(method: .post, path: "users/\(o.ana)/tokens", expected: [.created, .created, .forbidden, .unauthorized]),
                Row(method: .put, path: "users/\(o.ana)/availability", body: ["available": false], expected: [.ok, .ok, .forbidden, .unauthorized]),
                Row(method: .post, path: "teams", body: ["name": "T", "memberIds": []], expected: [.created, .forbidden, .forbidden, .unauthorized]),
                Row(method: .get, path: "teams", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .get, path: "teams/\(o.team)", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .post, path: "inboxes", body: ["name": "Billing"], expected: [.created, .forbidden, .forbidden, .unauthorized]),
                Row(method: .get, path: "inboxes", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .get, path: "inboxes/\(o.inbox)", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .put, path: "inboxes/\(o.inbox)/members", body: ["memberIds": [o.ana], "teamIds": [o.team]], expected: [.ok, .forbidden, .forbidden, .unauthorized]),
                Row(method: .post, path: "inboxes/\(o.inbox)/channels", body: ["type": "custom", "name": "Extra"], expected: [.created, .forbidden, .notFound, .unauthorized]),
                Row(method: .get, path: "inboxes/\(o.inbox)/channels", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .post, path: "channels/\(o.channel)/messages", body: ["from": ["externalId": "v1"], "text": "hi"], expected: [.created, .created, .notFound, .unauthorized]),
                Row(method: .get, path: "conversations?inboxId=\(o.inbox)", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .get, path: "conversations/\(conversation)", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .post, path: "conversations/\(conversation)/messages", body: ["text": "Hello"], expected: [.created, .created, .notFound, .unauthorized]),
                Row(method: .post, path: "conversations/\(conversation)/comments", body: ["text": "Note"], expected: [.created, .created, .notFound, .unauthorized]),
                Row(method: .put, path: "conversations/\(conversation)/assignee", body: ["userId": NSNull()], expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .post, path: "conversations/\(conversation)/read", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .post, path: "conversations/\(conversation)/contact", body: [:], expected: [.conflict, .conflict, .notFound, .unauthorized]),
                Row(method: .post, path: "contacts", expected: [.created, .created, .created, .unauthorized]),
                Row(method: .get, path: "contacts/\(contact)", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .get, path: "contacts/\(contact)/timeline", expected: [.ok, .ok, .notFound, .unauthorized]),
                Row(method: .get, path: "events", expected: [.ok, .forbidden, .forbidden, .unauthorized]),
                Row(method: .put, path: "inboxes/\(o.inbox)/routing", body: ["mode": "manual"], expected: [.ok, .forbidden, .forbidden, .unauthorized]),
                Row(method: .put, path: "users/me/notification-preferences", body: ["assigned": ["inApp"], "newMessage": [], "mention": ["email"]], expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .get, path: "users/me/notifications", expected: [.ok, .ok, .ok, .unauthorized]),
                Row(method: .post, path: "users/me/notifications/read", body: ["ids": ["1.mention"]], expected: [.notFound, .notFound, .notFound, .unauthorized]),
                Row(method: .post, path: "users/me/tokens", expected: [.created, .created, .created, .unauthorized]),
                Row(method: .put, path: "inboxes/\(o.inbox)/email-filters", body: ["blockedDomains": ["junk.example"]], expected: [.ok, .forbidden, .forbidden, .unauthorized]),
                Row(method: .get, path: "conversations/\(conversation)/messages/none/attachments/0", expected: [.notFound, .notFound, .notFound, .unauthorized]),
                Row(method: .put, path: "users/me/availability", body: ["available": true], expected: [.ok, .ok, .ok, .unauthorized]),
            ]
            let callers: [(String, String?)] = [
                ("admin", APIHarness.adminToken), ("member", o.anaToken), ("non-member", o.outsiderToken), ("no token", nil),
            ]
            for row in rows {
                for (index, (name, token)) in callers.enumerated() {
                    var body = row.body
                    if row.path == "contacts" { body = ["email": unique()] }
                    let answer = try await api.call(row.method, row.path, token: token, json: body)
                    #expect(answer.status == row.expected[index], "\(row.method) \(row.path) as \(name): \(String(decoding: answer.body, as: UTF8.self))")
                    if answer.status.code >= 400 { #expect(answer.errorCode != nil) }
                }
            }
            // A made-up token is as good as none.
            #expect(try await api.call(.get, "users", token: "sbt_nope").status == .unauthorized)
            // Ben sees the inbox through his team only.
            #expect(try await api.call(.get, "conversations/\(conversation)", token: o.benToken).status == .ok)
            let agentsInboxes = try await api.call(.get, "inboxes", token: o.outsiderToken)
            #expect(agentsInboxes.items.map { $0["id"] as? String } == [o.otherInbox])
        }
    }
}
