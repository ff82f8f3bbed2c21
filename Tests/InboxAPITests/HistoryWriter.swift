import Foundation
import InboxCore
import Testing

/// Appends a generated history to the log the way the service decides it: each step through the conversation's
/// decider (and, on a chat channel nobody is assigned, the channel's bot), in one append at the step's time.
/// Faster than the API for thousands of conversations: no request, one commit per step.
struct HistoryWriter {
    struct Tracked {
        var id: String
        var channel: HistoryChannel
        var visitor: Visitor
        var state = Conversation.State()
    }

    private(set) var conversations: [Int: Tracked] = [:]
    /// Steps the conversation's state made moot (closing what the bot closed already): the script cannot know.
    private(set) var skipped = 0

    mutating func perform(_ scheduled: ScheduledStep, at date: Date, on log: any EventLog) async throws {
        let channel = scheduled.channel
        var tracked = conversations[scheduled.conversation] ?? Tracked(
            id: Identifiers.make(at: date), channel: channel, visitor: Self.visitor(scheduled, channel))
        let stream = ConversationEvent.stream(tracked.id)
        let before = tracked.state
        var proposed: [ProposedEvent] = []
        func decide(_ command: Conversation.Command, by actor: ActorRef) throws {
            let events = try Conversation.decide(command, tracked.state, id: tracked.id)
            proposed += events.map { $0.proposed(to: stream, by: actor) }
            tracked.state = events.reduce(tracked.state, Conversation.evolve)
        }
        switch scheduled.step {
        case .filteredInbound(let text):
            let inbound = Conversation.Inbound(
                conversationId: tracked.id, messageId: Identifiers.make(at: date),
                origin: .init(inboxId: channel.inboxId, channelId: channel.id, channelType: channel.type, contactId: nil),
                from: tracked.visitor, text: text, html: nil, subject: "Offer", sentAt: date, receivedAt: date, externalMessageId: nil,
                filteredBecause: .blockedDomain)
            try decide(.receive(inbound), by: ActorRef(kind: .contact, id: tracked.visitor.email!))
        case .inbound(let text, let shift):
            let inbound = Conversation.Inbound(
                conversationId: tracked.id, messageId: Identifiers.make(at: date),
                origin: .init(inboxId: channel.inboxId, channelId: channel.id, channelType: channel.type, contactId: nil),
                from: tracked.visitor, text: text, html: nil, subject: ["email", "form"].contains(channel.type) ? "Order \(scheduled.conversation)" : nil,
                sentAt: shift.map { date.addingTimeInterval(Double($0)) }, receivedAt: date,
                externalMessageId: channel.type == "messenger" ? "m_\(scheduled.conversation)_\(scheduled.index)" : nil)
            try decide(.receive(inbound), by: ActorRef(kind: .contact, id: tracked.visitor.email ?? tracked.visitor.externalId ?? "unknown"))
            // As the intake does: the bot answers when nobody is assigned, a new session when a cycle opens.
            if let bot = channel.bot, tracked.state.assigneeId == nil {
                let turn = ChatBot.Turn(
                    conversationId: tracked.id, channelId: channel.id, text: text,
                    visitorEmailKnown: tracked.visitor.email != nil || tracked.state.contactId != nil, at: date,
                    messageIds: (0..<4).map { _ in Identifiers.make(at: date) })
                let outcome = ChatBot.respond(
                    config: bot, state: tracked.state, startsSession: !before.exists || before.status == .closed, turn: turn)
                proposed += outcome.events.map { $0.proposed(to: stream, by: ActorRef(kind: .bot, id: channel.id)) }
                tracked.state = outcome.events.reduce(tracked.state, Conversation.evolve)
            }
        case .assign(let userId, let by):
            try decide(.assign(userId: userId), by: Self.user(by))
        case .reply(let userId):
            // As the API does: custom and chat replies are delivered by being written; others wait for a worker.
            let delivery = ["custom", "chat"].contains(channel.type) ? "sent" : "queued"
            try decide(
                .reply(messageId: Identifiers.make(at: date), authorId: userId, text: "Thanks for writing, we are on it.", html: nil,
                       delivery: delivery, email: nil, at: date), by: Self.user(userId))
        case .comment(let userId):
            try decide(
                .comment(commentId: Identifiers.make(at: date), authorId: userId, text: "Checked with the warehouse.", mentions: [], at: date),
                by: Self.user(userId))
        case .close(let userId):
            guard tracked.state.status == .open else { skipped += 1; return }
            try decide(.close, by: Self.user(userId))
        case .reopen(let userId):
            guard tracked.state.status == .closed || tracked.state.status == .filtered else { skipped += 1; return }
            try decide(.reopen, by: Self.user(userId))
        }
        conversations[scheduled.conversation] = tracked
        guard !proposed.isEmpty else { return }
        _ = try await log.append(AppendBatch(proposed, expectations: [stream: before.exists ? .exact(before.version) : .noStream]))
    }

    static func user(_ id: String) -> ActorRef { ActorRef(kind: .user, id: id) }

    /// Who writes on each channel: an email address (one of a blocked domain for mail the filters catch), a chat
    /// visitor, a Messenger sender, a form's sender.
    static func visitor(_ first: ScheduledStep, _ channel: HistoryChannel) -> Visitor {
        let conversation = first.conversation
        if case .filteredInbound = first.step { return Visitor(email: "promo\(conversation)@spam.example") }
        return switch channel.type {
        case "email", "form": Visitor(email: "customer\(conversation % 700)@example.com", name: "Customer \(conversation % 700)")
        case "messenger": Visitor(externalId: "psid-\(conversation)")
        case "chat": Visitor(externalId: "visitor-\(conversation)")
        default: Visitor(email: "shopper\(conversation % 300)@example.com", externalId: "shop-\(conversation)")
        }
    }
}
