import EventLog
import Foundation
import InboxCore
import Logging

/// Writes an organisation straight into a log, as the service would have: an admin (with a known token), an
/// inbox with a custom channel, and `conversations` conversations of one inbound message each.
enum BenchPrefill {
    struct Result {
        var inboxId: String
        var channelId: String
        var events: Int
        /// The latest message time (messages are a second apart, ending about now).
        var lastSentAt: Date
        /// A stored inbound-message record, for the raw LMDB comparison.
        var messageRecord: [UInt8]
    }

    static func run(logPath: String, conversations: Int, adminToken: String, logger: Logger) async throws -> Result {
        let log = try LMDBEventLog(path: logPath, logger: logger)
        do {
            let result = try await fill(log, conversations: conversations, adminToken: adminToken)
            await log.close()
            return result
        } catch {
            await log.close()
            throw error
        }
    }

    private static func fill(_ log: LMDBEventLog, conversations: Int, adminToken: String) async throws -> Result {
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

        let origin = Conversation.Origin(inboxId: inboxId, channelId: channelId, channelType: "custom", contactId: nil)
        let actor = ActorRef(kind: .integration, id: channelId)
        let start = Date().addingTimeInterval(-Double(conversations))
        var written = 0
        var sample: [UInt8] = []
        while written < conversations {
            var events: [ProposedEvent] = []
            for index in written..<min(conversations, written + 500) {
                let conversationId = Identifiers.make()
                let inbound = Conversation.Inbound(
                    conversationId: conversationId, messageId: Identifiers.make(), origin: origin,
                    from: Visitor(email: "visitor\(index)@example.com", name: "Visitor \(index)"),
                    text: "Hello, where is my order? It was due yesterday.", html: nil, subject: "Order question",
                    sentAt: start.addingTimeInterval(Double(index)), receivedAt: Date(), externalMessageId: nil)
                let decided = try Conversation.decide(.receive(inbound), Conversation.State(), id: conversationId)
                events += decided.map { $0.proposed(to: ConversationEvent.stream(conversationId), by: actor) }
            }
            let result = try await log.append(AppendBatch(events))
            if sample.isEmpty, let last = result.events.last {
                sample = EventRecordCodec.encode(try log.readNow(from: last.position, maxCount: 1)[0])
            }
            written += events.count / 2
        }
        return Result(
            inboxId: inboxId, channelId: channelId, events: Int(try await log.head()),
            lastSentAt: start.addingTimeInterval(Double(conversations - 1)), messageRecord: sample)
    }
}
