import Foundation

/// The contact decider: creating a contact claims its identities (its email among them) on their own streams
/// with `noStream`, so two contacts can never share an email, whatever the races.
public enum Contacts {
    public struct NewContact: Sendable, Equatable {
        public var contactId: String
        public var email: String?
        public var name: String?
        public var phone: String?
        public var company: String?
        public var createdAt: Date

        public init(contactId: String, email: String?, name: String?, phone: String?, company: String?, createdAt: Date) {
            self.contactId = contactId
            self.email = email
            self.name = name
            self.phone = phone
            self.company = company
            self.createdAt = createdAt
        }
    }

    /// A visitor's conversation to link the new contact to.
    public struct FromConversation: Sendable, Equatable {
        public var conversationId: String
        public var state: Conversation.State
        public var visitorIdentities: [Identity]

        public init(conversationId: String, state: Conversation.State, visitorIdentities: [Identity]) {
            self.conversationId = conversationId
            self.state = state
            self.visitorIdentities = visitorIdentities
        }
    }

    public enum Rejection: Error, Sendable, Equatable {
        case invalid(field: String, reason: String)
        case conversationNotFound
        case contactAlreadyLinked
    }

    public static func create(
        _ contact: NewContact, from conversation: FromConversation? = nil, by actor: ActorRef
    ) throws(Rejection) -> AppendBatch {
        var contact = contact
        contact.email = try optionalEmail(contact.email)
        contact.name = try optionalText(contact.name, field: "name")
        contact.phone = try optionalText(contact.phone, field: "phone")
        contact.company = try optionalText(contact.company, field: "company")
        guard contact.email != nil || contact.name != nil || contact.phone != nil || conversation != nil else {
            throw .invalid(field: "email", reason: "a contact needs at least an email, a name or a phone")
        }

        var identities: [Identity] = contact.email.map { [.email($0)] } ?? []
        for identity in conversation?.visitorIdentities ?? [] where !identities.contains(identity) {
            identities.append(identity)
        }
        if contact.email == nil, let visitorEmail = identities.first(where: { $0.kind == "email" }) {
            contact.email = visitorEmail.value
        }

        let stream = ContactEvent.stream(contact.contactId)
        var events = [
            ContactEvent.created(.init(
                contactId: contact.contactId, email: contact.email, name: contact.name, phone: contact.phone,
                company: contact.company, fromConversationId: conversation?.conversationId, createdAt: contact.createdAt))
                .proposed(to: stream, by: actor)
        ]
        var expectations: [StreamID: ExpectedVersion] = [stream: .noStream]
        for identity in identities {
            events.append(
                ContactEvent.identityClaimed(.init(contactId: contact.contactId, identity: identity))
                    .proposed(to: identity.stream, by: actor))
            expectations[identity.stream] = .noStream
        }
        if let conversation {
            let linked: [ConversationEvent]
            do {
                linked = try Conversation.decide(
                    .linkContact(contactId: contact.contactId), conversation.state, id: conversation.conversationId)
            } catch .notFound {
                throw .conversationNotFound
            } catch {
                throw .contactAlreadyLinked
            }
            let conversationStream = ConversationEvent.stream(conversation.conversationId)
            events += linked.map { $0.proposed(to: conversationStream, by: actor) }
            expectations[conversationStream] = .exact(conversation.state.version)
        }
        return AppendBatch(events, expectations: expectations)
    }

    /// Links an existing contact to a visitor's conversation, and claims for it the visitor's identities no
    /// contact holds yet (`unclaimed`), so their next conversations link by themselves.
    public static func link(
        contactId: String, to conversation: FromConversation, unclaimed: [Identity], by actor: ActorRef
    ) throws(Rejection) -> AppendBatch {
        let linked: [ConversationEvent]
        do {
            linked = try Conversation.decide(.linkContact(contactId: contactId), conversation.state, id: conversation.conversationId)
        } catch .notFound {
            throw .conversationNotFound
        } catch {
            throw .contactAlreadyLinked
        }
        let conversationStream = ConversationEvent.stream(conversation.conversationId)
        var events = linked.map { $0.proposed(to: conversationStream, by: actor) }
        var expectations: [StreamID: ExpectedVersion] = [conversationStream: .exact(conversation.state.version)]
        for identity in unclaimed {
            events.append(ContactEvent.identityClaimed(.init(contactId: contactId, identity: identity)).proposed(to: identity.stream, by: actor))
            expectations[identity.stream] = .noStream
        }
        return AppendBatch(events, expectations: expectations)
    }

    static func optionalEmail(_ email: String?) throws(Rejection) -> String? {
        guard let email, !email.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let normalized = EmailAddress.normalize(email)
        guard EmailAddress.isValid(normalized) else { throw .invalid(field: "email", reason: "is not an email address") }
        return normalized
    }

    static func optionalText(_ text: String?, field: String) throws(Rejection) -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= 200 else { throw .invalid(field: field, reason: "must be at most 200 characters") }
        return trimmed.isEmpty ? nil : trimmed
    }
}
