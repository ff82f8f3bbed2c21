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
        guard let input = AnalyticsInput(event) else { return [] }
        return facts(input, conversationId: event.conversationId, actor: actor, recordedAt: recordedAt)
    }

    /// The facts `input` of conversation `conversationId` adds, recorded at `recordedAt` by `actor`, with the
    /// clock moved on.
    public mutating func facts(_ input: AnalyticsInput, conversationId: String, actor: ActorRef, recordedAt: Date) -> [AnalyticsFact] {
        func fact(_ kind: AnalyticsFact.Kind, at: Date = recordedAt, userId: String? = nil, seconds: Double? = nil) -> AnalyticsFact {
            AnalyticsFact(
                kind: kind, conversationId: conversationId, inboxId: inboxId, channelId: channelId, channelType: channelType, at: at,
                userId: userId, seconds: seconds)
        }
        switch input {
        case .origin(let inboxId, let channelId, let channelType):
            // Filtered mail never opens a cycle; a reopened one is like a new conversation.
            self.inboxId = inboxId
            self.channelId = channelId
            self.channelType = channelType
            return []
        case .messageReceived(let at):
            var facts: [AnalyticsFact] = []
            if !open {
                open = true
                cycleOpenedAt = at
                responseClockFrom = at
                firstResponded = false
                facts.append(fact(.cycleOpened, at: at))
            }
            // While a bot has the conversation it answers; the team's clock starts at the handoff. The earliest
            // unanswered message by its time: an email delayed on its way can be older than one already waiting.
            if !botActive { unansweredSince = min(unansweredSince ?? at, at) }
            return facts
        case .replyPosted(let authorId, let postedAt):
            var facts = [fact(.reply, at: postedAt, userId: authorId, seconds: unansweredSince.map { max(0, postedAt.timeIntervalSince($0)) })]
            if open, !firstResponded, let from = responseClockFrom {
                facts.append(fact(.firstResponse, at: postedAt, userId: authorId, seconds: max(0, postedAt.timeIntervalSince(from))))
                firstResponded = true
            }
            unansweredSince = nil
            botActive = false
            return facts
        case .assigned(let assigneeId):
            return assigneeId.map { [fact(.assigned, userId: $0)] } ?? []
        case .closed:
            guard open else { return [] }
            open = false
            botActive = false
            unansweredSince = nil
            let seconds = cycleOpenedAt.map { max(0, recordedAt.timeIntervalSince($0)) }
            return [fact(.closed, userId: actor.kind == .user ? actor.id : nil, seconds: seconds)]
        case .botSessionStarted(let at):
            botActive = true
            unansweredSince = nil
            return [fact(.botSession, at: at)]
        case .botReplied(let at):
            return [fact(.botMessage, at: at)]
        case .botEmailCaptured(let at):
            return [fact(.botEmailCaptured, at: at)]
        case .botHandedOff(let at):
            botActive = false
            responseClockFrom = at
            unansweredSince = at
            return [fact(.botHandedOff, at: at)]
        case .botResolved(let at):
            botActive = false
            return [fact(.botResolved, at: at)]
        }
    }
}

extension ConversationEvent {
    /// The conversation the event belongs to, as its payload names it.
    var conversationId: String {
        switch self {
        case .started(let data): data.conversationId
        case .messageReceived(let data), .messageFiltered(let data): data.conversationId
        case .replyPosted(let data): data.conversationId
        case .assigned(let data): data.conversationId
        case .commentAdded(let data): data.conversationId
        case .closed(let data): data.conversationId
        case .reopened(let data): data.conversationId
        case .contactLinked(let data): data.conversationId
        case .markedRead(let data): data.conversationId
        case .filtered(let data): data.conversationId
        case .botSessionStarted(let data): data.conversationId
        case .botReplied(let data): data.conversationId
        case .botEmailCaptured(let data): data.conversationId
        case .botHandedOff(let data): data.conversationId
        case .botResolved(let data): data.conversationId
        }
    }
}
