import EventLog
import Foundation
import InboxCore
import Logging

/// Writes an organisation straight into a log, as the service would have: an admin (with a known token), an
/// inbox with a custom channel, and `conversations` conversations of one inbound message each; `worked`, they are
/// also assigned to one of eight agents and answered, and every other one closed, so the reports have figures.
enum BenchPrefill {
    /// How many agents share the work when conversations are `worked`.
    static let agents = 8

    struct Result {
        var inboxId: String
        var channelId: String
        var events: Int
        /// The latest message time (messages are a second apart, ending about now).
        var lastSentAt: Date
        /// A stored inbound-message record, for the raw LMDB comparison.
        var messageRecord: [UInt8]
    }

    static func run(
        logPath: String, conversations: Int, worked: Bool = false, adminToken: String, logger: Logger
    ) async throws -> Result {
        let log = try LMDBEventLog(path: logPath, logger: logger)
        do {
            let result = try await fill(log, conversations: conversations, worked: worked, adminToken: adminToken)
            await log.close()
            return result
        } catch {
            await log.close()
            throw error
        }
    }

    private static func fill(_ log: LMDBEventLog, conversations: Int, worked: Bool, adminToken: String) async throws -> Result {
        let adminId = Identifiers.make()
        let admin = ActorRef(kind: .user, id: adminId)
        _ = try await log.append(AdminBootstrap.decide(
            .init(userId: adminId, tokenId: Identifiers.make(), tokenHash: SHA256Digest.hex(adminToken)), head: 0))
        let inboxId = Identifiers.make()
        let channelId = Identifiers.make()
        _ = try await log.append(Directory.createInbox(
            inboxId: inboxId, name: "Support", address: "support@switchboard.localhost", memberIds: [], teamIds: [], by: admin))
        _ = try await log.append(Directory.connectChannel(
            channelId: channelId, inboxId: inboxId, type: "custom", name: "Shop", address: nil, by: admin))
        let agentIds = worked ? (0..<agents).map { _ in Identifiers.make() } : []
        for (number, agentId) in agentIds.enumerated() {
            _ = try await log.append(Directory.registerUser(
                userId: agentId, name: "Agent \(number)", email: "agent\(number)@example.com", role: .agent, by: admin))
        }
        if worked {
            _ = try await log.append(Directory.setInboxMembers(inboxId: inboxId, memberIds: agentIds, teamIds: [], by: admin))
        }

        let origin = Conversation.Origin(inboxId: inboxId, channelId: channelId, channelType: "custom", contactId: nil)
        let actor = ActorRef(kind: .integration, id: channelId)
        let start = Date().addingTimeInterval(-Double(conversations))
        var written = 0
        var sample: [UInt8] = []
        while written < conversations {
            var events: [ProposedEvent] = []
            let end = min(conversations, written + 500)
            for index in written..<end {
                let sentAt = start.addingTimeInterval(Double(index))
                let conversationId = Identifiers.make()
                let inbound = Conversation.Inbound(
                    conversationId: conversationId, messageId: Identifiers.make(), origin: origin,
                    from: Visitor(email: "visitor\(index)@example.com", name: "Visitor \(index)"),
                    text: "Hello, where is my order? It was due yesterday.", html: nil, subject: "Order question",
                    sentAt: sentAt, receivedAt: Date(), externalMessageId: nil)
                let decided = try Conversation.decide(.receive(inbound), Conversation.State(), id: conversationId)
                events += decided.map { $0.proposed(to: ConversationEvent.stream(conversationId), by: actor) }
                if worked {
                    let agentId = agentIds[index % agents]
                    let state = decided.reduce(Conversation.State(), Conversation.evolve)
                    events += try work(conversationId, state: state, agentId: agentId, index: index, sentAt: sentAt)
                }
            }
            let result = try await log.append(AppendBatch(events))
            if sample.isEmpty, let last = result.events.last {
                sample = EventRecordCodec.encode(try log.readNow(from: last.position, maxCount: 1)[0])
            }
            written = end
        }
        return Result(
            inboxId: inboxId, channelId: channelId, events: Int(try await log.head()),
            lastSentAt: start.addingTimeInterval(Double(conversations - 1)), messageRecord: sample)
    }

    /// An agent's work on a new conversation: assigned, answered between 30 s and 40 minutes later (the spread
    /// the response-time medians need), and every other conversation closed.
    private static func work(
        _ conversationId: String, state: Conversation.State, agentId: String, index: Int, sentAt: Date
    ) throws -> [ProposedEvent] {
        let stream = ConversationEvent.stream(conversationId)
        let agent = ActorRef(kind: .user, id: agentId)
        var state = state
        var events: [ProposedEvent] = []
        func decide(_ command: Conversation.Command, by actor: ActorRef) throws {
            let decided = try Conversation.decide(command, state, id: conversationId)
            state = decided.reduce(state, Conversation.evolve)
            events += decided.map { $0.proposed(to: stream, by: actor) }
        }
        try decide(.assign(userId: agentId), by: .system)
        try decide(
            .reply(
                messageId: Identifiers.make(), authorId: agentId, text: "It left our warehouse this morning.", html: nil,
                delivery: "sent", email: nil, at: sentAt.addingTimeInterval(30 + Double(index * 37 % 2_400))),
            by: agent)
        if index.isMultiple(of: 2) { try decide(.close, by: agent) }
        return events
    }
}
