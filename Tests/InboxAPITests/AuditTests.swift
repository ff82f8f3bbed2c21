import Foundation
import HTTPTypes
import InboxCore
import Testing
import TestSupport

@testable import InboxAPI

/// Who replied when, and what followed from it: `GET /audit` and `switchboard audit` over the same log.
@Suite struct AuditTests {
    @Test func theAuditTrailFollowsAConversationAndWhoDidWhat() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            _ = try await api.call(.put, "inboxes/\(o.inbox)/routing", token: APIHarness.adminToken, json: ["mode": "round_robin", "userIds": [o.ana], "onlyAvailable": false])
            let start = Date()
            let conversation = try await o.receive(api)
            let other = try await o.receive(api, from: "dan@example.com")
            _ = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "On its way."])
            _ = try await api.call(.put, "conversations/\(conversation)/assignee", token: o.benToken, json: ["userId": o.ben])

            // Everything about the conversation, and only it: the routing turn names it in its payload.
            let trail = try await api.call(.get, "audit?conversationId=\(conversation)", token: APIHarness.adminToken).items
            let types = trail.compactMap { $0["type"] as? String }
            #expect(types == [
                "conversation.started.v1", "conversation.message_received.v1", "conversation.assigned.v1", "routing.assigned.v1",
                "conversation.reply_posted.v1", "conversation.assigned.v1",
            ])
            #expect(!trail.contains { ($0["streamId"] as? String)?.contains(other) == true })
            // The routing it caused names the message.
            let message = try #require(trail.first { $0["type"] as? String == "conversation.message_received.v1" })
            let routed = try #require(trail.first { $0["type"] as? String == "routing.assigned.v1" })
            #expect(routed["causationId"] as? String == message["eventId"] as? String)
            #expect(routed["correlationId"] as? String == message["eventId"] as? String)

            // Who replied, and who reassigned.
            let replies = try await api.call(.get, "audit?actorId=\(o.ana)&type=conversation.reply_posted.v1", token: APIHarness.adminToken).items
            #expect(replies.count == 1)
            #expect((replies.first?["actor"] as? [String: String]) == ["kind": "user", "id": o.ana])
            let byBen = try await api.call(.get, "audit?actorId=\(o.ben)&from=\(Timestamps.format(start))", token: APIHarness.adminToken).items
            #expect(byBen.map { $0["type"] as? String } == ["conversation.assigned.v1"])
            #expect(try await api.call(.get, "audit?to=\(Timestamps.format(start))&conversationId=\(conversation)", token: APIHarness.adminToken).items.isEmpty)

            // Paged, admins only, and checked.
            let first = try await api.call(.get, "audit?conversationId=\(conversation)&limit=2", token: APIHarness.adminToken)
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try await api.call(.get, "audit?conversationId=\(conversation)&limit=2&cursor=\(cursor)", token: APIHarness.adminToken)
            #expect(second.items.first?["type"] as? String == "conversation.assigned.v1")
            #expect(try await api.call(.get, "audit", token: o.anaToken).status == .forbidden)
            #expect(try await api.call(.get, "audit?from=yesterday", token: APIHarness.adminToken).status == .badRequest)
            #expect(try await api.call(.get, "audit?from=2026-11-25T10:00:00.000Z&to=2026-11-24T10:00:00.000Z", token: APIHarness.adminToken).status == .badRequest)

            // The command line says the same, from the data directory, while the server runs.
            let executable = try builtExecutable(named: "switchboard")
            let (status, output) = try await ProcessRunner.run(
                executable, ["audit", "--data", harness.data.path, "--conversation", conversation, "--type", "conversation.reply_posted.v1", "--type", "conversation.assigned.v1"])
            #expect(status == 0)
            let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
            let commandTypes = lines.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String
            }
            #expect(commandTypes == ["conversation.assigned.v1", "conversation.reply_posted.v1", "conversation.assigned.v1"])
            let refused = try await ProcessRunner.run(executable, ["audit", "--data", harness.data.path, "--from", "soon"])
            #expect(refused.status != 0)
            let missing = try await ProcessRunner.run(executable, ["audit", "--data", harness.data.appendingPathComponent("nowhere").path])
            #expect(missing.status != 0)
        }
    }
}
