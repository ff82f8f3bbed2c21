import Foundation
import HTTPTypes
import InboxAPI
import Testing

/// In-app notifications follow assignments, new messages and mentions, as each user's preferences say.
@Suite struct NotificationAPITests {
    @Test func agentsHearOfWhatConcernsThemAsTheirPreferencesSay() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let o = try await harness.runReturning { api in
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            // Ben assigns it to Ana; Ana assigning herself something else tells nobody.
            _ = try await api.call(.put, "conversations/\(conversation)/assignee", token: o.benToken, json: ["userId": o.ana])
            let other = try await o.receive(api, from: "dan@example.com")
            _ = try await api.call(.put, "conversations/\(other)/assignee", token: o.anaToken, json: ["userId": o.ana])
            // Ben mentions Ana, and himself.
            _ = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@\(o.ana) and @\(o.ben), see this"])

            let feed = try await api.call(.get, "users/me/notifications", token: o.anaToken)
            #expect(feed.status == .ok)
            #expect(feed.items.map { $0["kind"] as? String } == ["mention", "assigned"])
            #expect(feed.items.allSatisfy { $0["read"] as? Bool == false && $0["conversationId"] as? String == conversation })
            #expect(try await api.call(.get, "users/me/notifications", token: o.benToken).items.isEmpty)

            // A new message on her conversation (threaded onto it) is news to Ana.
            let threaded = try await o.receive(api, text: "Start", extra: ["externalThreadId": "t-1"])
            _ = try await api.call(.put, "conversations/\(threaded)/assignee", token: o.benToken, json: ["userId": o.ana])
            try await o.receive(api, text: "More", extra: ["externalThreadId": "t-1"])
            let kinds = try await api.call(.get, "users/me/notifications", token: o.anaToken).items.map { $0["kind"] as? String }
            #expect(kinds == ["newMessage", "assigned", "mention", "assigned"])

            // Mentions by email only from now on: the app's feed no longer gets them.
            let preferences = try await api.call(.put, "users/me/notification-preferences", token: o.anaToken, json: ["assigned": ["inApp"], "newMessage": ["inApp"], "mention": ["email"]])
            #expect(preferences.status == .ok)
            #expect(preferences["mention"] as? [String] == ["email"])
            _ = try await api.call(.post, "conversations/\(conversation)/comments", token: o.benToken, json: ["text": "@\(o.ana) again"])
            #expect(try await api.call(.get, "users/me/notifications", token: o.anaToken).items.count == 4)
            #expect(try await api.call(.put, "users/me/notification-preferences", token: o.anaToken, json: ["assigned": ["sms"], "newMessage": [], "mention": []]).status == .unprocessableContent)

            // Reading: only her own notifications, and the unread filter follows.
            let items = try await api.call(.get, "users/me/notifications", token: o.anaToken).items
            let newest = try #require(items.first?["id"] as? String)
            #expect(try await api.call(.post, "users/me/notifications/read", token: o.benToken, json: ["ids": [newest]]).status == .notFound)
            let read = try await api.call(.post, "users/me/notifications/read", token: o.anaToken, json: ["ids": [newest]])
            #expect(read.status == .ok)
            #expect(read.logPosition != nil)
            let unread = try await api.call(.get, "users/me/notifications?unread=true", token: o.anaToken)
            #expect(unread.items.count == 3)
            #expect(!unread.items.contains { $0["id"] as? String == newest })
            #expect(try await api.call(.get, "users/me/notifications?unread=maybe", token: o.anaToken).status == .badRequest)
            return o
        }

        // The feed is a projection of the log: rebuilt from scratch it says the same.
        try FileManager.default.removeItem(atPath: harness.configuration.viewsDirectory)
        try await harness.run { api in
            let feed = try await api.call(.get, "users/me/notifications", token: o.anaToken)
            #expect(feed.items.count == 4)
            #expect(feed.items.filter { $0["read"] as? Bool == true }.count == 1)
        }
    }
}
