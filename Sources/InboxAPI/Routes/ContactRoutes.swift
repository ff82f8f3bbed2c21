import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// Contacts: created by hand or from a conversation's visitor, unique by email through identity claims in the
/// log; their profile lists their conversations, their timeline every message across channels.
struct ContactRoutes {
    let backend: Backend
    let idempotency: Idempotency

    struct NewContact: RequestBody {
        static let fields: Set<String> = ["email", "name", "phone", "company"]
        var email: String?
        var name: String?
        var phone: String?
        var company: String?
    }

    struct VisitorContact: RequestBody {
        static let fields: Set<String> = ["email", "name", "phone"]
        var email: String?
        var name: String?
        var phone: String?
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("contacts", use: create)
        api.get("contacts/:id", use: profile)
        api.get("contacts/:id/timeline", use: timeline)
        api.post("conversations/:id/contact", use: createFromConversation)
    }

    @Sendable func create(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await StrictJSON.decode(NewContact.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let contact = Contacts.NewContact(
                contactId: Identifiers.make(), email: body.value.email, name: body.value.name, phone: body.value.phone,
                company: body.value.company, createdAt: backend.now())
            let batch = try Self.decide { () throws(Contacts.Rejection) in try Contacts.create(contact, by: caller.actor) }
            let position = try await backend.commit(batch) { _ in Self.emailTaken }
            return try WriteAnswer(status: .created, ContactJSON(try existingContact(contact.contactId)), logPosition: position)
        }
    }

    @Sendable func createFromConversation(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let record = try backend.visibleConversation(try Parameters.id(context), caller)
        let body = try await StrictJSON.decode(VisitorContact.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            let state = try await backend.conversationState(record.id)
            // The views may already know the visitor's contact (its identity was claimed before this conversation).
            guard try backend.visibleConversation(record.id, caller).contactId == nil else {
                throw ConversationCommandRoutes.apiError(.contactAlreadyLinked)
            }
            let contact = Contacts.NewContact(
                contactId: Identifiers.make(), email: body.value.email, name: body.value.name ?? record.visitor.name,
                phone: body.value.phone, company: nil, createdAt: backend.now())
            let origin = Contacts.FromConversation(
                conversationId: record.id, state: state, visitorIdentities: Identity.of(record.visitor, channelId: record.channelId))
            let batch = try Self.decide { () throws(Contacts.Rejection) in try Contacts.create(contact, from: origin, by: caller.actor) }
            let conversationStream = ConversationEvent.stream(record.id)
            let position = try await backend.commit(batch) { stream in
                stream == conversationStream
                    ? .conflict("The conversation changed meanwhile; try again.", code: "version_conflict") : Self.emailTaken
            }
            return try WriteAnswer(status: .created, ContactJSON(try existingContact(contact.contactId)), logPosition: position)
        }
    }

    @Sendable func profile(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (contact, conversations) = try visibleContact(try Parameters.id(context), caller)
        return try JSONOutput.response(ContactDetailJSON(
            contact: ContactJSON(contact), conversations: conversations.map { ConversationSummaryJSON($0, for: caller.userId) }))
    }

    /// Every message of the contact's conversations, newest first, paged by offset.
    @Sendable func timeline(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (_, conversations) = try visibleContact(try Parameters.id(context), caller)
        let limit = try Parameters.limit(request)
        let offset = try request.uri.queryParameters.get("cursor").map(Self.offset) ?? 0
        let items = try backend.read { txn in
            try conversations.flatMap { record in
                try backend.views.conversations.messages(of: record.id, in: txn).map { message in
                    (message.at, TimelineItemJSON(
                        at: Timestamps.format(message.at), kind: message.direction == "inbound" ? "message_received" : "reply_sent",
                        conversationId: record.id, channelType: record.channelType, text: message.text))
                }
            }
        }.sorted { $0.0 > $1.0 }.map(\.1)
        let page = Array(items.dropFirst(offset).prefix(limit))
        let next = offset + page.count < items.count ? ListCursor.encode(number: UInt64(offset + page.count)) : nil
        return try JSONOutput.response(ListJSON(items: page, nextCursor: next))
    }

    // MARK: Helpers

    static let emailTaken = APIError.conflict("A contact with this email or identity exists already.", code: "contact_exists")

    static func decide(_ body: () throws(Contacts.Rejection) -> AppendBatch) throws -> AppendBatch {
        do {
            return try body()
        } catch {
            switch error {
            case .invalid(let field, let reason): throw APIError.unprocessable("Field '\(field)' \(reason).")
            case .conversationNotFound: throw APIError.notFound("No such conversation.")
            case .contactAlreadyLinked: throw ConversationCommandRoutes.apiError(.contactAlreadyLinked)
            }
        }
    }

    static func offset(_ cursor: String) throws -> Int {
        let offset = try ListCursor.number(cursor)
        guard offset <= UInt64(Int.max) else { throw ListCursor.invalid }
        return Int(offset)
    }

    private func existingContact(_ id: String) throws -> ContactView {
        guard let contact = try backend.read({ txn in try backend.views.conversations.contact(id, in: txn) }) else {
            throw APIError.internalError()
        }
        return contact
    }

    /// The contact and its conversations the caller may see. An agent sees a contact with no conversations, or
    /// one with a conversation in an inbox they work in; any other answers 404.
    private func visibleContact(_ id: String, _ caller: Caller) throws -> (ContactView, [ConversationRecord]) {
        let found = try backend.read { txn -> (ContactView, [ConversationRecord])? in
            guard let contact = try backend.views.conversations.contact(id, in: txn) else { return nil }
            var filter = ConversationFilter()
            filter.contactId = id
            let all = try backend.views.conversations.all(filter, in: txn)
            let visible = all.filter { caller.mayAccess(inboxId: $0.inboxId) }
            guard visible.count > 0 || all.isEmpty else { return nil }
            return (contact, visible)
        }
        guard let found else { throw APIError.notFound("No such contact.") }
        return found
    }
}
