import Foundation
import InboxCore
import Projections

extension Backend {
    /// The events that give a new conversation of `inboxId` its owner under the inbox's routing, with the
    /// rotation's expected version; nil for manual routing or when no candidate is eligible (the conversation
    /// then waits in the unassigned view). The rotation's last turn comes from the log, so it is fair across
    /// restarts and nodes; a concurrent turn makes the append fail and the caller decide again.
    func routedAssignment(
        inboxId: String, conversationId: String, by actor: ActorRef
    ) async throws -> (events: [ProposedEvent], expectations: [StreamID: ExpectedVersion])? {
        let candidates = try read { txn -> (RoutingRule, [String], Set<String>)? in
            guard let inbox = try views.directory.inbox(inboxId, in: txn), inbox.routing.mode == .roundRobin else { return nil }
            let rule = inbox.routing
            let userIds = try rule.teamId.map { try views.directory.team($0, in: txn)?.memberIds ?? [] } ?? rule.userIds
            let available = Set(try userIds.filter { try views.directory.user($0, in: txn)?.available == true })
            return (rule, userIds, available)
        }
        guard let (rule, userIds, available) = candidates else { return nil }
        let stream = RoutingEvent.stream(inboxId)
        let version = try await log.streamVersion(stream)
        var lastAssigned: String?
        if version > 0, let last = try await log.readStream(stream, from: version, maxCount: 1).first,
            case .assigned(let turn)? = try RoutingEvent(last)
        {
            lastAssigned = turn.userId
        }
        let eligible = { (userId: String) in !rule.onlyAvailable || available.contains(userId) }
        guard let userId = Routing.next(candidates: userIds, eligible: eligible, lastAssigned: lastAssigned) else { return nil }
        return Routing.assignment(
            inboxId: inboxId, conversationId: conversationId, userId: userId, by: actor, rotationVersion: version)
    }
}
