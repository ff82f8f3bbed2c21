import Foundation
import InboxCore
import Projections

extension Backend {
    /// Links a visitor's conversation to the contact holding `email`, creating that contact when there is none,
    /// and claims the visitor's other identities for it; decides again when another writer got there first. A
    /// conversation already linked is left as it is.
    func linkContact(
        email: String, name: String?, to conversationId: String, visitor: Visitor, channelId: String, by actor: ActorRef
    ) async throws {
        var visitor = visitor
        visitor.email = email
        let identities = Identity.of(visitor, channelId: channelId)
        for _ in 1...MessageIntake.attempts {
            let state = try await conversationState(conversationId)
            guard state.exists, state.contactId == nil else { return }
            let (existing, unclaimed) = try read { txn in
                (
                    try views.conversations.contactId(holding: .email(email), in: txn),
                    try identities.filter { try views.conversations.contactId(holding: $0, in: txn) == nil }
                )
            }
            let origin = Contacts.FromConversation(conversationId: conversationId, state: state, visitorIdentities: unclaimed)
            let batch: AppendBatch
            do {
                if let existing {
                    batch = try Contacts.link(contactId: existing, to: origin, unclaimed: unclaimed, by: actor)
                } else {
                    let contact = Contacts.NewContact(
                        contactId: Identifiers.make(), email: email, name: name, phone: nil, company: nil, createdAt: now())
                    batch = try Contacts.create(contact, from: origin, by: actor)
                }
            } catch {
                // Linked meanwhile, or nothing valid to create: nothing to do.
                return
            }
            if try await commitOrDecideAgain(batch) != nil { return }
        }
    }
}
