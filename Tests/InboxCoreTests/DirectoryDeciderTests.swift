import Foundation
import Testing

@testable import InboxCore

/// Uniqueness is enforced by the log: run the deciders' appends against the in-memory log.
@Suite struct DirectoryDeciderTests {
    let admin = ActorRef(kind: .user, id: "admin")
    let log = InMemoryEventLog()

    @Test func twoUsersCannotShareAnEmailWhateverItsCase() async throws {
        _ = try await log.append(try Directory.registerUser(userId: "u1", name: "Ana", email: "Ana@Example.com", role: .agent, by: admin))
        let error = await #expect(throws: EventLogError.self) {
            try await log.append(try Directory.registerUser(userId: "u2", name: "Ana B", email: "ana@example.com ", role: .agent, by: admin))
        }
        #expect(error?.conflictingStream == UserEvent.emailStream("ana@example.com"))
        #expect(try await log.streamVersion(UserEvent.stream("u2")) == 0, "nothing of the refused user was appended")
    }

    @Test func invalidUserValuesAreRejectedBeforeAnythingIsAppended() {
        #expect(throws: Directory.Invalid("email", "is not an email address")) {
            try Directory.registerUser(userId: "u1", name: "Ana", email: "not-an-email", role: .agent, by: admin)
        }
        #expect(throws: Directory.Invalid("name", "must not be empty")) {
            try Directory.registerUser(userId: "u1", name: "  ", email: "ana@example.com", role: .agent, by: admin)
        }
    }

    @Test func fallbackAddressesAreUniqueAcrossInboxes() async throws {
        let first = Directory.fallbackAddress(name: "Support", domain: "switchboard.localhost", attempt: 1)
        _ = try await log.append(try Directory.createInbox(inboxId: "i1", name: "Support", address: first, memberIds: [], teamIds: [], by: admin))
        await #expect(throws: EventLogError.self) {
            try await log.append(try Directory.createInbox(inboxId: "i2", name: "support", address: first, memberIds: [], teamIds: [], by: admin))
        }
        let second = Directory.fallbackAddress(name: "support", domain: "switchboard.localhost", attempt: 2)
        #expect(second == "support-2@switchboard.localhost")
        _ = try await log.append(try Directory.createInbox(inboxId: "i2", name: "support", address: second, memberIds: [], teamIds: [], by: admin))
    }

    @Test func unknownChannelTypesAreRejected() {
        #expect(throws: Directory.Invalid.self) {
            try Directory.connectChannel(channelId: "c1", inboxId: "i1", type: "fax", name: "x", address: nil, by: admin)
        }
    }

    @Test func twoContactsCannotShareAnEmail() async throws {
        let now = Date()
        _ = try await log.append(try Contacts.create(.init(contactId: "p1", email: "bo@example.com", name: "Bo", phone: nil, company: nil, createdAt: now), by: admin))
        let error = await #expect(throws: EventLogError.self) {
            try await log.append(try Contacts.create(.init(contactId: "p2", email: "BO@example.com", name: nil, phone: nil, company: nil, createdAt: now), by: admin))
        }
        #expect(error?.conflictingStream == Identity.email("bo@example.com").stream)
    }

    @Test func aContactFromAConversationClaimsTheVisitorsIdentitiesAndLinksIt() throws {
        var state = Conversation.State()
        state.status = .open
        state.version = 2
        let from = Contacts.FromConversation(
            conversationId: "cv1", state: state,
            visitorIdentities: [.email("vi@example.com"), Identity(kind: "external", value: "crm-7", channelId: "c1")])
        let batch = try Contacts.create(.init(contactId: "p1", email: nil, name: "Vi", phone: nil, company: nil, createdAt: Date()), from: from, by: admin)
        #expect(batch.events.map(\.type) == [
            "contact.created.v1", "contact.identity_claimed.v1", "contact.identity_claimed.v1", "conversation.contact_linked.v1",
        ])
        #expect(batch.expectations[ConversationEvent.stream("cv1")] == .exact(2))
        guard case .created(let created) = try ContactEvent(type: batch.events[0].type, payload: batch.events[0].payload) else { return }
        #expect(created.email == "vi@example.com", "the visitor's email becomes the contact's")
    }

    @Test func aContactNeedsSomethingToKnowItBy() {
        #expect(throws: Contacts.Rejection.self) {
            try Contacts.create(.init(contactId: "p1", email: nil, name: " ", phone: nil, company: nil, createdAt: Date()), by: admin)
        }
    }
}
