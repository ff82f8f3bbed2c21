import Foundation
import Testing

@testable import InboxCore

@Suite struct RoutingTests {
    let all: (String) -> Bool = { _ in true }

    @Test func theRotationStartsAtTheTopAndMovesOneStepPerTurn() {
        #expect(Routing.next(candidates: ["a", "b", "c"], eligible: all, lastAssigned: nil) == "a")
        #expect(Routing.next(candidates: ["a", "b", "c"], eligible: all, lastAssigned: "a") == "b")
        #expect(Routing.next(candidates: ["a", "b", "c"], eligible: all, lastAssigned: "c") == "a")
    }

    @Test func ineligibleCandidatesAreSkippedAndNobodyEligibleMeansNobody() {
        #expect(Routing.next(candidates: ["a", "b", "c"], eligible: { $0 != "b" }, lastAssigned: "a") == "c")
        #expect(Routing.next(candidates: ["a", "b", "c"], eligible: { _ in false }, lastAssigned: "a") == nil)
        #expect(Routing.next(candidates: [], eligible: all, lastAssigned: nil) == nil)
    }

    @Test func aLastAssigneeNoLongerListedRestartsFromTheTop() {
        #expect(Routing.next(candidates: ["a", "b"], eligible: all, lastAssigned: "z") == "a")
    }

    @Test func turnsAreEvenOverManyConversations() {
        var last: String?
        var counts: [String: Int] = [:]
        for _ in 0..<300 {
            last = Routing.next(candidates: ["a", "b", "c", "d"], eligible: { $0 != "d" }, lastAssigned: last)
            counts[last!, default: 0] += 1
        }
        #expect(counts == ["a": 100, "b": 100, "c": 100])
    }

    @Test func anAssignmentClaimsTheNextTurnOfTheRotation() {
        let actor = ActorRef(kind: .integration, id: "ch1")
        let first = Routing.assignment(inboxId: "i1", conversationId: "c1", userId: "a", by: actor, rotationVersion: 0)
        #expect(first.events.map(\.type) == ["conversation.assigned.v1", "routing.assigned.v1"])
        #expect(first.expectations == [RoutingEvent.stream("i1"): .noStream])
        let later = Routing.assignment(inboxId: "i1", conversationId: "c2", userId: "b", by: actor, rotationVersion: 7)
        #expect(later.expectations == [RoutingEvent.stream("i1"): .exact(7)])
    }

    @Test func roundRobinNeedsSomeoneToRouteTo() {
        let admin = ActorRef(kind: .user, id: "u1")
        #expect(throws: Directory.Invalid.self) {
            try Directory.setRouting(inboxId: "i1", routing: RoutingRule(mode: .roundRobin), by: admin)
        }
        #expect(throws: Directory.Invalid.self) {
            try Directory.setRouting(inboxId: "i1", routing: RoutingRule(mode: .roundRobin, userIds: ["a"], teamId: "t"), by: admin)
        }
        #expect(throws: Never.self) { try Directory.setRouting(inboxId: "i1", routing: .manual, by: admin) }
    }
}
