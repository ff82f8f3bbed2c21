import Foundation
import HTTPTypes
import InboxAPI
import Testing

/// An admin sets up an inbox and an agent works a conversation end to end, through the API alone.
@Suite(.serialized) struct AgentWorkflowTests {
    @Test func anAgentWorksAConversationFromFirstMessageToContactAndItSurvivesARestart() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let org = ResultBox<Organisation>()
        try await harness.run { api in
            let o = try await Organisation.create(api)
            await org.set(o)

            // A message arrives on the custom channel and shows in the inbox view, unread.
            let conversation = try await o.receive(api)
            let list = try await api.call(.get, "conversations?inboxId=\(o.inbox)&status=open", token: o.anaToken)
            #expect(list.items.map { $0["id"] as? String } == [conversation])
            #expect(list.items.first?["unread"] as? Bool == true)
            #expect(list.items.first?["assigneeId"] is NSNull)
            #expect(list.items.first?["subject"] as? String == "Order 1234")
            #expect(list.json["nextCursor"] is NSNull)

            // Assign to Ana, then Ben (through his team) comments mentioning her.
            let assigned = try await api.call(.put, "conversations/\(conversation)/assignee", token: o.benToken, json: ["userId": o.ana])
            #expect(assigned.status == .ok)
            #expect(assigned.string("assigneeId") == o.ana)
            #expect(assigned.logPosition != nil)
            let mine = try await api.call(.get, "conversations?assignee=me", token: o.anaToken)
            #expect(mine.items.count == 1)
            let comment = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@ana@example.com can you take this? cc @\(o.ben)"])
            #expect(comment.status == .created)
            #expect(comment["mentions"] as? [String] == [o.ana, o.ben])

            // Ana replies, which also marks it read for her; she closes it.
            let reply = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "It ships today."])
            #expect(reply.status == .created)
            #expect(reply.string("direction") == "outbound")
            #expect(reply.string("authorId") == o.ana)
            #expect(reply.string("delivery") == "sent")
            let closed = try await api.call(.post, "conversations/\(conversation)/close", token: o.anaToken)
            #expect(closed.string("status") == "closed")
            #expect(closed["unread"] as? Bool == false)
            #expect(try await api.call(.post, "conversations/\(conversation)/close", token: o.anaToken).status == .conflict)

            // An agent can reopen it; closed again, a new message in its thread would reopen it by itself.
            let reopened = try await api.call(.post, "conversations/\(conversation)/reopen", token: o.anaToken)
            #expect(reopened.string("status") == "open")
            #expect(try await api.call(.post, "conversations/\(conversation)/reopen", token: o.anaToken).errorCode == "not_closed")
            #expect(try await api.call(.post, "conversations/\(conversation)/close", token: o.anaToken).status == .ok)
            let threaded = try await o.receive(api, text: "Thanks! One more thing", extra: ["externalThreadId": "t-1"])
            #expect(try await api.call(.post, "conversations/\(threaded)/close", token: o.anaToken).status == .ok)
            let again = try await o.receive(api, text: "Actually two", extra: ["externalThreadId": "t-1"])
            #expect(threaded == again)
            let reopenedByMessage = try await api.call(.get, "conversations/\(threaded)", token: o.anaToken)
            #expect(reopenedByMessage.string("status") == "open")
            #expect((reopenedByMessage["messages"] as? [Any])?.count == 2)

            // The visitor becomes a contact; her next conversation links to it by email.
            let contact = try await api.call(.post, "conversations/\(conversation)/contact", token: o.anaToken, json: ["name": "Carla Gomez"])
            #expect(contact.status == .created, "\(String(decoding: contact.body, as: UTF8.self))")
            let contactId = try #require(contact.string("id"))
            #expect(contact.string("email") == "carla@example.com")
            #expect(try await api.call(.post, "conversations/\(conversation)/contact", token: o.anaToken, json: [:]).status == .conflict)
            let later = try await o.receive(api, text: "Hello again")
            let profile = try await api.call(.get, "contacts/\(contactId)", token: o.anaToken)
            let linked = Set((profile["conversations"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            #expect(linked == [conversation, threaded, later])
            let timeline = try await api.call(.get, "contacts/\(contactId)/timeline", token: o.anaToken)
            #expect(timeline.items.first?["text"] as? String == "Hello again")
            #expect(timeline.items.count == 5)
            #expect(Set(timeline.items.compactMap { $0["kind"] as? String }) == ["message_received", "reply_sent"])

            // The detail shows the thread, the comment, and the contact as author of inbound messages.
            let detail = try await api.call(.get, "conversations/\(conversation)", token: o.anaToken)
            let messages = detail["messages"] as? [[String: Any]] ?? []
            #expect(messages.map { $0["direction"] as? String } == ["inbound", "outbound"])
            #expect(messages.first?["authorId"] as? String == contactId)
            #expect((detail["comments"] as? [[String: Any]])?.count == 1)
            #expect(detail.string("contactId") == contactId)

            // The custom channel's integration reads the reply from the feed.
            let feed = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken)
            #expect(feed.items.contains { $0["type"] as? String == "conversation.reply_posted.v1" })
        }

        // A restart changes nothing of what they see; nor does rebuilding the views from the log.
        let o = try #require(await org.value)
        for rebuild in [false, true] {
            if rebuild { try FileManager.default.removeItem(atPath: harness.configuration.viewsDirectory) }
            try await harness.run { api in
                let list = try await api.call(.get, "conversations", token: o.anaToken)
                #expect(list.items.count == 3, "rebuild: \(rebuild)")
                let closed = try await api.call(.get, "conversations?status=closed", token: o.anaToken)
                #expect(closed.items.count == 1)
                #expect(closed.items.first?["assigneeId"] as? String == o.ana)
                let users = try await api.call(.get, "users", token: o.benToken)
                #expect(users.items.count == 4)
            }
        }
    }
}
