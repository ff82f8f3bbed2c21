import Foundation

/// One thing the reports count, as it became known from one event. Reports are sums, averages and exact
/// medians over facts, so a report as of any instant is the facts of the events recorded up to then.
public struct AnalyticsFact: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// A cycle opened: an inbound message on a new or closed conversation.
        case cycleOpened
        /// A user replied; `seconds` is the response time when an inbound message was waiting.
        case reply
        /// A cycle's first reply by a user; `seconds` from the cycle's first inbound message (or the bot's handoff).
        case firstResponse
        /// A conversation was assigned to `userId`.
        case assigned
        /// A cycle closed; `seconds` from its first inbound message; `userId` who closed it, when a user did.
        case closed
        case botSession, botMessage, botHandedOff, botResolved, botEmailCaptured
    }

    public var kind: Kind
    public var conversationId: String
    public var inboxId: String
    public var channelId: String
    public var channelType: String
    /// When it happened (an inbound message's channel time; otherwise when it was recorded).
    public var at: Date
    public var userId: String?
    public var seconds: Double?

    public init(
        kind: Kind, conversationId: String, inboxId: String, channelId: String, channelType: String, at: Date,
        userId: String? = nil, seconds: Double? = nil
    ) {
        self.kind = kind
        self.conversationId = conversationId
        self.inboxId = inboxId
        self.channelId = channelId
        self.channelType = channelType
        self.at = at
        self.userId = userId
        self.seconds = seconds
    }
}

/// What the metric definitions (API.md) need to remember about one conversation between events.
public struct ConversationClock: Codable, Sendable, Equatable {
    public var inboxId = ""
    public var channelId = ""
    public var channelType = ""
    public var open = false
    /// The current cycle's first inbound message, for time to close.
    public var cycleOpenedAt: Date?
    /// Where the first response time of the cycle runs from (its first inbound message, or the bot's handoff).
    public var responseClockFrom: Date?
    public var firstResponded = false
    /// The earliest inbound message no user has answered yet.
    public var unansweredSince: Date?
    public var botActive = false

    public init() {}

    /// The facts `event` adds, recorded at `recordedAt` by `actor`, with the clock moved on.
    public mutating func facts(_ event: ConversationEvent, actor: ActorRef, recordedAt: Date) -> [AnalyticsFact] {
        func fact(_ kind: AnalyticsFact.Kind, _ conversationId: String, at: Date = recordedAt, userId: String? = nil, seconds: Double? = nil) -> AnalyticsFact {
            AnalyticsFact(
                kind: kind, conversationId: conversationId, inboxId: inboxId, channelId: channelId, channelType: channelType, at: at,
                userId: userId, seconds: seconds)
        }
        switch event {
        case .started(let started):
            inboxId = started.inboxId
            channelId = started.channelId
            channelType = started.channelType
            return []
        case .messageReceived(let message):
            let at = message.at
            var facts: [AnalyticsFact] = []
            if !open {
                open = true
                cycleOpenedAt = at
                responseClockFrom = at
                firstResponded = false
                facts.append(fact(.cycleOpened, message.conversationId, at: at))
            }
            // While a bot has the conversation it answers; the team's clock starts at the handoff. The earliest
            // unanswered message by its time: an email delayed on its way can be older than one already waiting.
            if !botActive { unansweredSince = min(unansweredSince ?? at, at) }
            return facts
        case .replyPosted(let reply):
            var facts = [fact(.reply, reply.conversationId, at: reply.postedAt, userId: reply.authorId,
                              seconds: unansweredSince.map { max(0, reply.postedAt.timeIntervalSince($0)) })]
            if open, !firstResponded, let from = responseClockFrom {
                facts.append(fact(.firstResponse, reply.conversationId, at: reply.postedAt, userId: reply.authorId,
                                  seconds: max(0, reply.postedAt.timeIntervalSince(from))))
                firstResponded = true
            }
            unansweredSince = nil
            botActive = false
            return facts
        case .assigned(let assigned):
            return assigned.assigneeId.map { [fact(.assigned, assigned.conversationId, userId: $0)] } ?? []
        case .closed(let closed):
            guard open else { return [] }
            open = false
            botActive = false
            unansweredSince = nil
            let seconds = cycleOpenedAt.map { max(0, recordedAt.timeIntervalSince($0)) }
            return [fact(.closed, closed.conversationId, userId: actor.kind == .user ? actor.id : nil, seconds: seconds)]
        case .botSessionStarted(let session):
            botActive = true
            unansweredSince = nil
            return [fact(.botSession, session.conversationId, at: session.at)]
        case .botReplied(let reply):
            return [fact(.botMessage, reply.conversationId, at: reply.at)]
        case .botEmailCaptured(let captured):
            return [fact(.botEmailCaptured, captured.conversationId, at: captured.at)]
        case .botHandedOff(let handoff):
            botActive = false
            responseClockFrom = handoff.at
            unansweredSince = handoff.at
            return [fact(.botHandedOff, handoff.conversationId, at: handoff.at)]
        case .botResolved(let resolved):
            botActive = false
            return [fact(.botResolved, resolved.conversationId, at: resolved.at)]
        case .filtered(let filtered):
            // Filtered mail never opens a cycle; a reopened one is like a new conversation.
            inboxId = filtered.inboxId
            channelId = filtered.channelId
            channelType = filtered.channelType
            return []
        case .reopened, .commentAdded, .contactLinked, .markedRead, .messageFiltered:
            return []
        }
    }
}
