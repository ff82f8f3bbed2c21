import Foundation
import Testing

@testable import InboxCore

/// Every event type has a payload schema in `Schemas/events/`, and what the deciders write matches it.
@Suite struct EventSchemaTests {
    let schemas = SchemaTests()
    let t0 = Date(timeIntervalSince1970: 1_795_000_000.25)
    let admin = ActorRef(kind: .user, id: "0190c1f8a0b27c3d8e4f5a6b7c8d9e0f")

    static var allTags: Set<String> {
        var tags = Set(UserEvent.Tag.allCases.map(\.rawValue))
        tags.formUnion(TeamEvent.Tag.allCases.map(\.rawValue))
        tags.formUnion(InboxEvent.Tag.allCases.map(\.rawValue))
        tags.formUnion(ChannelEvent.Tag.allCases.map(\.rawValue))
        tags.formUnion(ConversationEvent.Tag.allCases.map(\.rawValue))
        tags.formUnion(ContactEvent.Tag.allCases.map(\.rawValue))
        tags.formUnion(IdempotencyEvent.Tag.allCases.map(\.rawValue))
        tags.insert("bootstrap.admin_registered.v1")
        return tags
    }

    @Test func everyEventTagHasASchemaAndEverySchemaATag() throws {
        let directory = SchemaTests.root.appendingPathComponent("Schemas/events")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let described = Set(files.filter { $0.hasSuffix(".schema.json") }.map { String($0.dropLast(".schema.json".count)) })
        #expect(described == Self.allTags)
    }

    /// Events as the deciders propose them, with optionals both set and unset.
    func samples() throws -> [ProposedEvent] {
        let userId = Identifiers.make()
        var events: [ProposedEvent] = []
        events += try Directory.registerUser(userId: userId, name: "Ana", email: "Ana@Example.com", role: .agent, by: admin).events
        events += Directory.issueToken(userId: userId, tokenId: Identifiers.make(), tokenHash: String(repeating: "ab", count: 32), by: admin).events
        events += Directory.setAvailability(userId: userId, available: false, by: admin).events
        events += try Directory.createTeam(teamId: Identifiers.make(), name: "Support", memberIds: [userId], by: admin).events
        let inboxId = Identifiers.make()
        events += try Directory.createInbox(inboxId: inboxId, name: "Support", address: "support@switchboard.localhost", memberIds: [userId], teamIds: [], by: admin).events
        events += Directory.setInboxMembers(inboxId: inboxId, memberIds: [], teamIds: ["t1"], by: admin).events
        let channelId = Identifiers.make()
        events += try Directory.connectChannel(channelId: channelId, inboxId: inboxId, type: "email", name: nil, address: "help@example.com", by: admin).events
        events += try Directory.connectChannel(channelId: Identifiers.make(), inboxId: inboxId, type: "custom", name: "Shop", address: nil, by: admin).events
        events.append(ChannelEvent.messageAccepted(.init(channelId: channelId, externalMessageId: "m-1", conversationId: "cv1", messageId: "m1")).proposed(to: ChannelEvent.stream(channelId), by: admin))
        events.append(ChannelEvent.threadOpened(.init(channelId: channelId, externalThreadId: "t-1", conversationId: "cv1")).proposed(to: ChannelEvent.stream(channelId), by: admin))

        let conversationId = Identifiers.make()
        let origin = Conversation.Origin(inboxId: inboxId, channelId: channelId, channelType: "custom", contactId: nil)
        func inbound(_ messageId: String, sentAt: Date?, subject: String?, html: String?, external: String?) -> Conversation.Command {
            .receive(.init(
                conversationId: conversationId, messageId: messageId, origin: origin,
                from: Visitor(email: "carla@example.com", externalId: external, name: nil), text: "Hello", html: html,
                subject: subject, sentAt: sentAt, receivedAt: t0, externalMessageId: external))
        }
        let commands: [Conversation.Command] = [
            inbound("m1", sentAt: nil, subject: nil, html: nil, external: nil),
            .assign(userId: userId), .assign(userId: nil),
            .comment(commentId: "k1", authorId: userId, text: "@ana look", mentions: [userId], at: t0),
            .reply(messageId: "m2", authorId: userId, text: "Hi", html: "<p>Hi</p>", delivery: "sent", at: t0),
            .reply(messageId: "m3", authorId: userId, text: "Hi", html: nil, delivery: nil, at: t0),
            .markRead(userId: userId), .close,
            inbound("m4", sentAt: t0, subject: "Re", html: "<b>x</b>", external: "ext-4"),
            .close, .reopen,
        ]
        var state = Conversation.State()
        for command in commands {
            let decided = try Conversation.decide(command, state, id: conversationId)
            state = decided.reduce(state, Conversation.evolve)
            events += decided.map { $0.proposed(to: ConversationEvent.stream(conversationId), by: admin) }
        }
        let contact = Contacts.NewContact(contactId: Identifiers.make(), email: nil, name: "Carla", phone: "+34 600", company: "Acme", createdAt: t0)
        let fromConversation = Contacts.FromConversation(
            conversationId: conversationId, state: state,
            visitorIdentities: Identity.of(Visitor(email: "carla@example.com", externalId: "ext-4"), channelId: channelId))
        events += try Contacts.create(contact, from: fromConversation, by: admin).events
        events += try Contacts.create(.init(contactId: Identifiers.make(), email: "dan@example.com", name: nil, phone: nil, company: nil, createdAt: t0), by: admin).events
        events.append(IdempotencyEvent.recorded(.init(
            key: "k", userId: userId, method: "POST", path: "/api/v1/contacts", requestHash: String(repeating: "0", count: 64),
            status: 201, body: "{}", logPosition: 7, recordedAt: t0)).proposed(to: IdempotencyEvent.stream(userId: userId, method: "POST", path: "/", key: "k"), by: admin))
        events += try AdminBootstrap.decide(.init(userId: userId, tokenId: "t", tokenHash: String(repeating: "cd", count: 32)), head: 0).events
        return events
    }

    @Test func whatTheDecidersWriteMatchesTheSchemaOfItsType() throws {
        let byType = Dictionary(grouping: try samples(), by: \.type)
        #expect(Set(byType.keys) == Self.allTags, "every tag is sampled")
        for (type, events) in byType.sorted(by: { $0.key < $1.key }) {
            let (status, errors) = try schemas.validate("events/\(type).schema.json", events.map(\.payload))
            #expect(status == 0, "\(type): \(errors)")
        }
    }

    @Test func aPayloadMissingARequiredFieldIsRejected() throws {
        for type in ["conversation.started.v1", "user.registered.v1", "contact.identity_claimed.v1", "inbox.created.v1"] {
            let event = try #require(try samples().first { $0.type == type })
            var object = try #require(try JSONSerialization.jsonObject(with: event.payload) as? [String: Any])
            let field = try #require(object.keys.sorted().first)
            object[field] = nil
            let (status, _) = try schemas.validate("events/\(type).schema.json", [try JSONSerialization.data(withJSONObject: object)])
            #expect(status == 1, "\(type) without \(field)")
        }
    }
}
