import Foundation

/// How an inbox hands out new conversations.
public struct RoutingRule: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Conversations wait, unassigned, for someone to take them.
        case manual
        /// Each new conversation goes to the next candidate in turn.
        case roundRobin = "round_robin"
    }

    public var mode: Mode
    /// The candidates, in rotation order; or, with `teamId`, that team's members.
    public var userIds: [String]
    public var teamId: String?
    /// Skip candidates who marked themselves unavailable.
    public var onlyAvailable: Bool

    public init(mode: Mode, userIds: [String] = [], teamId: String? = nil, onlyAvailable: Bool = true) {
        self.mode = mode
        self.userIds = userIds
        self.teamId = teamId
        self.onlyAvailable = onlyAvailable
    }

    public static let manual = RoutingRule(mode: .manual)
}

/// Events of the `routing-<inboxId>` streams: the rotation's memory. Appended in the same atomic append that
/// opens the conversation, expecting the stream's version, so two nodes never hand out the same turn.
public enum RoutingEvent: EventFamily {
    case assigned(Assigned)

    public struct Assigned: Codable, Sendable, Equatable {
        public var inboxId: String
        public var conversationId: String
        public var userId: String

        public init(inboxId: String, conversationId: String, userId: String) {
            self.inboxId = inboxId
            self.conversationId = conversationId
            self.userId = userId
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case assigned = "routing.assigned.v1"
    }

    public var tag: Tag { .assigned }

    public var payload: Data {
        switch self {
        case .assigned(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard Tag(rawValue: type) != nil else { return nil }
        self = .assigned(try PayloadCoding.decode(Assigned.self, from: payload))
    }

    public static func stream(_ inboxId: String) -> StreamID { StreamID(category: "routing", id: inboxId) }
}

/// Who gets the next conversation.
public enum Routing {
    /// The candidate after `lastAssigned` in rotation order, skipping those not `eligible`; nil when nobody is.
    /// A `lastAssigned` no longer among the candidates restarts the rotation from the top.
    public static func next(candidates: [String], eligible: (String) -> Bool, lastAssigned: String?) -> String? {
        guard !candidates.isEmpty else { return nil }
        let start = lastAssigned.flatMap { candidates.firstIndex(of: $0) }.map { $0 + 1 } ?? 0
        for offset in 0..<candidates.count {
            let candidate = candidates[(start + offset) % candidates.count]
            if eligible(candidate) { return candidate }
        }
        return nil
    }

    /// The events that assign a new conversation to `userId` by routing: the conversation's own `assigned`
    /// event and the rotation's record, appended with the conversation's first events.
    public static func assignment(
        inboxId: String, conversationId: String, userId: String, by actor: ActorRef, rotationVersion: UInt64
    ) -> (events: [ProposedEvent], expectations: [StreamID: ExpectedVersion]) {
        let stream = RoutingEvent.stream(inboxId)
        return (
            [
                ConversationEvent.assigned(.init(
                    conversationId: conversationId, assigneeId: userId, previousAssigneeId: nil, reason: .routing))
                    .proposed(to: ConversationEvent.stream(conversationId), by: actor),
                RoutingEvent.assigned(.init(inboxId: inboxId, conversationId: conversationId, userId: userId))
                    .proposed(to: stream, by: actor),
            ],
            [stream: rotationVersion == 0 ? .noStream : .exact(rotationVersion)]
        )
    }
}
