import Foundation
import HTTPTypes
import InboxAPI
import Testing

/// Round robin assigns new conversations in the append that opens them, fairly, from the log's memory.
@Suite struct RoutingAPITests {
    let admin = APIHarness.adminToken

    func agent(_ api: APIClient, _ name: String) async throws -> String {
        let created = try await api.call(.post, "users", token: admin, json: ["name": name, "email": "\(name)@example.com", "role": "agent"])
        return try #require(created.string("id"))
    }

    func assignees(_ api: APIClient, inbox: String) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        var cursor: String?
        repeat {
            let page = try await api.call(.get, "conversations?inboxId=\(inbox)&limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""), token: admin)
            for item in page.items { counts[(item["assigneeId"] as? String) ?? "unassigned", default: 0] += 1 }
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil
        return counts
    }

    @Test func roundRobinSpreads300ConversationsEvenlyOverAvailableAgentsAndSkipsTheUnavailable() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let ids = try await harness.runReturning { api in
            let (a, b, c, away) = (try await agent(api, "amy"), try await agent(api, "bo"), try await agent(api, "cy"), try await agent(api, "dee"))
            let inbox = try #require(try await api.call(.post, "inboxes", token: admin, json: ["name": "Support", "memberIds": [a, b, c, away]]).string("id"))
            let channel = try #require(try await api.call(.post, "inboxes/\(inbox)/channels", token: admin, json: ["type": "custom", "name": "Shop"]).string("id"))
            #expect(try await api.call(.put, "users/\(away)/availability", token: admin, json: ["available": false]).status == .ok)
            let routed = try await api.call(.put, "inboxes/\(inbox)/routing", token: admin, json: ["mode": "round_robin", "userIds": [a, b, c, away], "onlyAvailable": true])
            #expect(routed.status == .ok)
            #expect((routed["routing"] as? [String: Any])?["mode"] as? String == "round_robin")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        for index in stride(from: worker, to: 300, by: 6) {
                            let answer = try await api.call(.post, "channels/\(channel)/messages", token: admin, json: ["from": ["externalId": "v\(index)"], "text": "Hi \(index)"])
                            try #require(answer.status == .created, "\(String(decoding: answer.body, as: UTF8.self))")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await assignees(api, inbox: inbox) == [a: 100, b: 100, c: 100])
            return (inbox, channel, a, b, c, away)
        }
        let (inbox, channel, a, b, c, away) = ids

        // The rotation lives in the log: after a restart it goes on where it stopped.
        try await harness.run { api in
            let before = try await assignees(api, inbox: inbox)
            for index in 0..<3 {
                _ = try await api.call(.post, "channels/\(channel)/messages", token: admin, json: ["from": ["externalId": "after\(index)"], "text": "Again"])
            }
            let after = try await assignees(api, inbox: inbox)
            #expect(after == [a: before[a]! + 1, b: before[b]! + 1, c: before[c]! + 1])

            // Nobody available: the conversation waits in the unassigned view.
            for user in [a, b, c] {
                _ = try await api.call(.put, "users/\(user)/availability", token: admin, json: ["available": false])
            }
            _ = try await api.call(.post, "channels/\(channel)/messages", token: admin, json: ["from": ["externalId": "nobody"], "text": "Anyone?"])
            let waiting = try await api.call(.get, "conversations?inboxId=\(inbox)&assignee=unassigned", token: admin)
            #expect(waiting.items.count == 1)
            #expect(waiting.items.first?["preview"] as? String == "Anyone?")
            #expect(away.isEmpty == false)
        }
    }

    @Test func aTeamsMembersShareTheConversationsAndManualRoutingLeavesThemUnassigned() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let (a, b) = (try await agent(api, "amy"), try await agent(api, "bo"))
            let team = try #require(try await api.call(.post, "teams", token: admin, json: ["name": "Tier 1", "memberIds": [a, b]]).string("id"))
            let inbox = try #require(try await api.call(.post, "inboxes", token: admin, json: ["name": "Help", "teamIds": [team]]).string("id"))
            let channel = try #require(try await api.call(.post, "inboxes/\(inbox)/channels", token: admin, json: ["type": "custom", "name": "Shop"]).string("id"))
            _ = try await api.call(.put, "inboxes/\(inbox)/routing", token: admin, json: ["mode": "round_robin", "teamId": team, "onlyAvailable": false])
            for index in 0..<4 {
                _ = try await api.call(.post, "channels/\(channel)/messages", token: admin, json: ["from": ["externalId": "t\(index)"], "text": "Hi"])
            }
            #expect(try await assignees(api, inbox: inbox) == [a: 2, b: 2])
            _ = try await api.call(.put, "inboxes/\(inbox)/routing", token: admin, json: ["mode": "manual"])
            _ = try await api.call(.post, "channels/\(channel)/messages", token: admin, json: ["from": ["externalId": "m"], "text": "Hi"])
            #expect(try await assignees(api, inbox: inbox) == [a: 2, b: 2, "unassigned": 1])

            let bad: [([String: Any], String?)] = [
                (["mode": "round_robin"], "invalid_value"),
                (["mode": "round_robin", "userIds": ["nobody"]], "unknown_user"),
                (["mode": "round_robin", "teamId": "nope"], "unknown_team"),
                (["mode": "round_robin", "userIds": [a], "teamId": team], "invalid_value"),
                (["mode": "sometimes"], "invalid_value"),
            ]
            for (body, code) in bad {
                let answer = try await api.call(.put, "inboxes/\(inbox)/routing", token: admin, json: body)
                #expect(answer.status == .unprocessableContent, "\(body)")
                #expect(answer.errorCode == code, "\(body)")
            }
            let agentToken = try #require(try await api.call(.post, "users/\(a)/tokens", token: admin).string("token"))
            #expect(try await api.call(.put, "inboxes/\(inbox)/routing", token: agentToken, json: ["mode": "manual"]).status == .forbidden)
        }
    }

    @Test func anAgentRemovedFromAnInboxGivesUpTheirOpenConversationsThereAndTheLogSaysWhy() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let (a, b) = (try await agent(api, "amy"), try await agent(api, "bo"))
            let team = try #require(try await api.call(.post, "teams", token: admin, json: ["name": "Tier 1", "memberIds": [b]]).string("id"))
            let inbox = try #require(try await api.call(.post, "inboxes", token: admin, json: ["name": "Help", "memberIds": [a], "teamIds": [team]]).string("id"))
            let channel = try #require(try await api.call(.post, "inboxes/\(inbox)/channels", token: admin, json: ["type": "custom", "name": "Shop"]).string("id"))
            var conversations: [String] = []
            for index in 0..<3 {
                let answer = try await api.call(.post, "channels/\(channel)/messages", token: admin, json: ["from": ["externalId": "r\(index)"], "text": "Hi"])
                conversations.append(try #require(answer.string("conversationId")))
            }
            for (conversation, user) in zip(conversations, [a, a, b]) {
                #expect(try await api.call(.put, "conversations/\(conversation)/assignee", token: admin, json: ["userId": user]).status == .ok)
            }
            #expect(try await api.call(.post, "conversations/\(conversations[1])/close", token: admin).status == .ok)

            let changed = try await api.call(.put, "inboxes/\(inbox)/members", token: admin, json: ["memberIds": [], "teamIds": [team]])
            #expect(changed.status == .ok)
            func assignee(_ id: String) async throws -> String? {
                try await api.call(.get, "conversations/\(id)", token: admin).string("assigneeId")
            }
            #expect(try await assignee(conversations[0]) == nil)
            #expect(try await assignee(conversations[1]) == a, "a closed conversation keeps its history")
            #expect(try await assignee(conversations[2]) == b)
            let feed = try await api.call(.get, "events?limit=500", token: admin)
            let released = feed.items.filter { ($0["payload"] as? [String: Any])?["reason"] as? String == "removed_from_inbox" }
            #expect(released.count == 1)
            #expect((released.first?["payload"] as? [String: Any])?["previousAssigneeId"] as? String == a)

            _ = try await api.call(.put, "inboxes/\(inbox)/members", token: admin, json: ["memberIds": [], "teamIds": []])
            #expect(try await assignee(conversations[2]) == nil)
        }
    }
}
