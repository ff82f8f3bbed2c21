import Foundation
import HTTPTypes
import Testing

@testable import InboxAPI

/// Web forms through the real routes: the embeddable page, submissions in both encodings, bad input, bots and
/// the per-client limit.
@Suite struct FormTests {
    nonisolated(unsafe) static let fields: [[String: Any]] = [
        ["name": "name", "label": "Your name", "required": true],
        ["name": "email", "label": "Email", "required": true],
        ["name": "message", "label": "How can we help?", "required": true, "kind": "textarea"],
    ]

    @Test func aSubmissionOpensAConversationWithItsContactAndBadOnesAreRefused() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let o = try await Organisation.create(api)
            let created = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken,
                json: ["type": "form", "name": "Contact us", "fields": Self.fields])
            try #require(created.status == .created, "\(String(decoding: created.body, as: UTF8.self))")
            let formId = try #require(created.string("id"))
            #expect((created["fields"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["text", "email", "textarea"])

            let page = try await api.call(.get, "/forms/\(formId)", token: nil)
            #expect(page.status == .ok)
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(html.contains("How can we help?") && html.contains("action=\"/forms/\(formId)\"") && html.contains("website_url"))
            #expect(try await api.call(.get, "/forms/\(o.channel)", token: nil).status == .notFound)

            // A browser's post: a thank-you page, a conversation with the fields, the contact created from the email.
            let posted = try await api.call(
                .post, "/forms/\(formId)", token: nil, raw: "name=Carla+P%C3%A9rez&email=Carla%40Example.com&message=Invoice+missing%0D%0Afor+May",
                headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(posted.status == .created)
            #expect(String(decoding: posted.body, as: UTF8.self).contains("Thank you"))
            let conversation = try #require(try await api.call(.get, "conversations?channel=form", token: APIHarness.adminToken).items.first)
            #expect(conversation["subject"] as? String == "Contact us")
            let conversationId = try #require(conversation["id"] as? String)
            var detail = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)
            #expect((detail["messages"] as? [[String: Any]])?.first?["text"] as? String
                == "Your name: Carla Pérez\nEmail: carla@example.com\nHow can we help?:\n  Invoice missing\n  for May")
            detail = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)
            let contactId = try #require(detail["contactId"] as? String)
            #expect(try await api.call(.get, "contacts/\(contactId)", token: o.anaToken)["email"] as? String == "carla@example.com")

            // A second submission from the same address joins the same contact; JSON answers JSON.
            let again = try await api.call(.post, "/forms/\(formId)", token: nil, json: ["name": "Carla", "email": "carla@example.com", "message": "Any news?"])
            #expect(again.status == .created)
            let secondId = try #require(again.string("conversationId"))
            #expect(try await api.call(.get, "conversations/\(secondId)", token: o.anaToken)["contactId"] as? String == contactId)

            let before = try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.count
            let invalid = try await api.call(.post, "/forms/\(formId)", token: nil, json: ["name": "Dan", "email": "dan@", "extra": "x"])
            #expect(invalid.status == .unprocessableContent)
            let problems = ((invalid["error"] as? [String: Any])?["fields"] as? [[String: Any]])?.map { "\($0["field"] ?? "")=\($0["code"] ?? "")" }
            #expect(Set(problems ?? []) == ["email=invalid_email", "message=required", "extra=unknown_field"])
            // A bot filling the hidden field is thanked and forgotten.
            let bot = try await api.call(.post, "/forms/\(formId)", token: nil, json: ["name": "B", "email": "b@spam.example", "message": "Buy", "website_url": "http://spam.example"])
            #expect(bot.status == .created)
            #expect(try await api.call(.post, "/forms/\(formId)", token: nil, raw: "name=x", headers: ["Content-Type": "text/plain"]).status == .unsupportedMediaType)
            #expect(try await api.call(.get, "events?limit=500", token: APIHarness.adminToken).items.count == before)

            // Ten submissions per client per ten minutes (five so far), then 429 with Retry-After.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 {
                statuses.append(try await api.call(.post, "/forms/\(formId)", token: nil, json: ["name": "Eve"]).status)
            }
            #expect(statuses.last == .tooManyRequests)
            #expect(statuses.dropLast().allSatisfy { $0 == .unprocessableContent })

            // Definitions are checked when the channel is connected.
            let broken = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken,
                json: ["type": "form", "name": "Broken", "fields": [["name": "1bad", "label": "x"]]])
            #expect(broken.status == .unprocessableContent)
            #expect(try await api.call(.post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "form", "name": "Empty"]).status == .unprocessableContent)
        }
    }
}
