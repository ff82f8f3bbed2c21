import Foundation
import HTTPTypes
import InboxAPI
import Testing

/// The API side of email: filters, and replies on email conversations becoming outbound emails.
@Suite struct EmailAPITests {
    @Test func anAdminReplacesAnInboxsEmailFiltersAndBadEntriesAreRefused() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let inbox = try await api.call(.get, "inboxes/\(o.inbox)", token: o.anaToken)
            #expect(inbox.json["emailFilters"] as? NSDictionary == ["blockedSenders": [], "blockedDomains": [], "dropAutoReplies": true])
            let set = try await api.call(
                .put, "inboxes/\(o.inbox)/email-filters", token: APIHarness.adminToken,
                json: ["blockedSenders": [" Spam@Example.com "], "blockedDomains": ["@junk.example"], "dropAutoReplies": false])
            #expect(set.status == .ok)
            #expect(set.json["emailFilters"] as? NSDictionary == [
                "blockedSenders": ["spam@example.com"], "blockedDomains": ["junk.example"], "dropAutoReplies": false,
            ])
            let head = try await api.call(.get, "events?after=0&limit=500", token: APIHarness.adminToken).items.count
            let bad = try await api.call(
                .put, "inboxes/\(o.inbox)/email-filters", token: APIHarness.adminToken, json: ["blockedDomains": ["not a domain"]])
            #expect(bad.status == .unprocessableContent)
            #expect(try await api.call(.get, "events?after=0&limit=500", token: APIHarness.adminToken).items.count == head)
            let unknown = try await api.call(
                .put, "inboxes/\(o.inbox)/email-filters", token: APIHarness.adminToken, json: ["blockedIPs": []])
            #expect(unknown.status == .unprocessableContent)
            #expect(try await api.call(.put, "inboxes/\(o.inbox)/email-filters", token: o.anaToken, json: [:]).status == .forbidden)
        }
    }

    @Test func aReplyOnAnEmailConversationIsQueuedAsAThreadedEmailFromTheChannelAddress() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let channel = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "email", "address": "help@shop.example"])
            let channelId = try #require(channel.string("id"))
            let received = try await api.call(
                .post, "channels/\(channelId)/messages", token: APIHarness.adminToken,
                json: ["from": ["email": "carla@example.com"], "text": "Where is my order?", "subject": "Order 1234"])
            let conversation = try #require(received.string("conversationId"))
            let reply = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Today."])
            #expect(reply.status == .created)
            #expect(reply.string("delivery") == "queued")
            let replyId = try #require(reply.string("id"))
            let events = try await api.call(.get, "events?after=0&limit=500", token: APIHarness.adminToken).items
            let posted = try #require(events.last { $0["type"] as? String == "conversation.reply_posted.v1" })
            let email = try #require((posted["payload"] as? [String: Any])?["email"] as? [String: Any])
            #expect(email["from"] as? String == "help@shop.example")
            #expect(email["fromName"] as? String == "Support")
            #expect(email["to"] as? [String] == ["carla@example.com"])
            #expect(email["subject"] as? String == "Re: Order 1234")
            #expect(email["messageId"] as? String == "<\(replyId)@switchboard.localhost>")
            // Messages brought in through the API carry no Message-ID to answer.
            #expect(email["inReplyTo"] == nil)
        }
    }
}
