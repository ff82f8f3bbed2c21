import Foundation
import InboxCore
import LMDB
import Projections

extension Backend {
    /// The agents who work in an inbox with these members and teams.
    func members(memberIds: [String], teamIds: [String], in txn: borrowing ReadTransaction) throws -> Set<String> {
        var members = Set(memberIds)
        for teamId in teamIds { members.formUnion(try views.directory.team(teamId, in: txn)?.memberIds ?? []) }
        return members
    }

    /// The open conversations of `inbox` assigned to an agent who would lose access to it if its members
    /// became `memberIds` and `teamIds` (admins keep access to every inbox).
    func conversationsLosingTheirAssignee(inbox: InboxView, memberIds: [String], teamIds: [String]) throws -> [String] {
        try read { txn in
            let removed = try members(memberIds: inbox.memberIds, teamIds: inbox.teamIds, in: txn)
                .subtracting(try members(memberIds: memberIds, teamIds: teamIds, in: txn))
            var conversationIds: [String] = []
            for userId in removed.sorted() where try views.directory.user(userId, in: txn)?.role != .admin {
                var filter = ConversationFilter()
                filter.inboxId = inbox.id
                filter.status = "open"
                filter.assignee = .user(userId)
                conversationIds += try views.conversations.all(filter, in: txn).map(\.id)
            }
            return conversationIds
        }
    }

    /// The membership change and, in the same append, the release of every open conversation whose assignee
    /// loses access, each recorded with its reason. Decided on the conversations' streams as the log has them.
    func membershipChange(
        inbox: InboxView, memberIds: [String], teamIds: [String], by actor: ActorRef
    ) async throws -> AppendBatch {
        var batch = Directory.setInboxMembers(inboxId: inbox.id, memberIds: memberIds, teamIds: teamIds, by: actor)
        for conversationId in try conversationsLosingTheirAssignee(inbox: inbox, memberIds: memberIds, teamIds: teamIds) {
            let state = try await conversationState(conversationId)
            let stream = ConversationEvent.stream(conversationId)
            let released = try Conversation.decide(.unassign(because: .removedFromInbox), state, id: conversationId)
            guard !released.isEmpty else { continue }
            batch.events += released.map { $0.proposed(to: stream, by: actor) }
            batch.expectations[stream] = .exact(state.version)
        }
        return batch
    }
}
