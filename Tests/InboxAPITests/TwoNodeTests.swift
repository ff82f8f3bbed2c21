import Foundation
import NIOHTTP1
import PostgresEventLog
import Testing
import TestSupport

/// Two real `switchboard serve` processes on one PostgreSQL log, each with read models of its own: what one node
/// takes, the other serves once it has caught up, and `Min-Log-Position` lets a client ask it to.
@Suite struct TwoNodeTests {
    @Test(.timeLimit(.minutes(3))) func aConversationWrittenOnOneNodeIsReadAssignedAndAnsweredOnTheOther() async throws {
        try await withTwoNodes { a, b in
            let agent = try await a.call(.POST, "/users", json: ["name": "Ana", "email": "ana@example.com", "role": "agent"])
            #expect(agent.status == 201, "\(agent.text)")
            let agentId = try #require(agent.json["id"] as? String)
            let (channelId, _) = try await customChannel(on: a, memberIds: [agentId])
            let received = try await a.call(
                .POST, "/channels/\(channelId)/messages",
                json: ["from": ["email": "customer@example.com", "name": "Cy"], "text": "Where is my order?"])
            #expect(received.status == 201, "\(received.text)")
            let conversationId = try #require(received.json["conversationId"] as? String)
            let written = try #require(received.logPosition)

            // Node B has not necessarily seen it yet; asking with the write's position makes it wait until it has.
            let read = try await b.call(.GET, "/conversations/\(conversationId)", headers: ["Min-Log-Position": "\(written)"])
            #expect(read.status == 200, "\(read.text)")
            #expect((read.json["messages"] as? [[String: Any]])?.first?["text"] as? String == "Where is my order?")

            let assigned = try await b.call(.PUT, "/conversations/\(conversationId)/assignee", json: ["userId": agentId])
            #expect(assigned.status == 200, "\(assigned.text)")
            let answered = try await b.call(.POST, "/conversations/\(conversationId)/messages", json: ["text": "On its way."])
            #expect(answered.status == 201, "\(answered.text)")
            let answeredAt = try #require(answered.logPosition)
            #expect(answeredAt > written)

            let onA = try await a.call(.GET, "/conversations/\(conversationId)", headers: ["Min-Log-Position": "\(answeredAt)"])
            #expect(onA.json["assigneeId"] as? String == agentId)
            #expect((onA.json["messages"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["Where is my order?", "On its way."])
            let onB = try await b.call(.GET, "/conversations/\(conversationId)")
            #expect(onA.json["version"] as? Int == onB.json["version"] as? Int)

            let malformed = try await b.call(.GET, "/conversations", headers: ["Min-Log-Position": "soon"])
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "invalid_header")
        }
    }

    /// Writers on both nodes at once: every message lands once, and both nodes hold the same log in the same
    /// order and the same read models.
    @Test(.timeLimit(.minutes(4))) func concurrentWritersOnBothNodesLoseNothingAndAgreeOnTheOrder() async throws {
        try await withTwoNodes { a, b in
            let (channelId, head) = try await customChannel(on: a, memberIds: [])
            _ = try await b.call(.GET, "/inboxes", headers: ["Min-Log-Position": "\(head)"])
            let writersPerNode = 4
            let messagesPerWriter = 15

            let acknowledged = try await withThrowingTaskGroup(of: [String: UInt64].self) { group in
                for (name, node) in [("a", a), ("b", b)] {
                    for writer in 0..<writersPerNode {
                        group.addTask {
                            var positions: [String: UInt64] = [:]
                            for i in 0..<messagesPerWriter {
                                let id = "\(name)-\(writer)-\(i)"
                                let answer = try await node.call(
                                    .POST, "/channels/\(channelId)/messages",
                                    json: ["from": ["email": "\(id)@example.com"], "text": "message \(id)", "externalMessageId": id])
                                #expect(answer.status == 201, "\(id): \(answer.text)")
                                positions[id] = answer.logPosition
                            }
                            return positions
                        }
                    }
                }
                var all: [String: UInt64] = [:]
                for try await positions in group { all.merge(positions) { first, _ in first } }
                return all
            }
            #expect(acknowledged.count == 2 * writersPerNode * messagesPerWriter)
            let last = try #require(acknowledged.values.max())

            let eventsOnA = try await allEvents(on: a, through: last)
            let eventsOnB = try await allEvents(on: b, through: last)
            #expect(eventsOnA.map(\.position) == Array(1...UInt64(eventsOnA.count)), "gapless")
            #expect(eventsOnA == eventsOnB)
            #expect(Set(eventsOnA.map(\.eventId)).count == eventsOnA.count, "no event twice")

            let listOnA = try await a.call(.GET, "/conversations?limit=200", headers: ["Min-Log-Position": "\(last)"])
            let listOnB = try await b.call(.GET, "/conversations?limit=200", headers: ["Min-Log-Position": "\(last)"])
            let conversationsOnA = listOnA.json["items"] as? [[String: Any]] ?? []
            #expect(conversationsOnA.count == acknowledged.count, "one conversation per sender")
            #expect(listOnA.body == listOnB.body, "both nodes' read models agree")
        }
    }

    /// Starts two nodes on a fresh database, runs `body`, and stops them (both must exit cleanly).
    /// A node's read models name the log they were built from: pointed at another database, the node rebuilds
    /// them from that log rather than serve what the first one said.
    @Test(.timeLimit(.minutes(3))) func aNodeMovedToAnotherDatabaseRebuildsItsViewsFromThatLog() async throws {
        let first = try await PostgresTestServer.shared.createDatabase()
        let second = try await PostgresTestServer.shared.createDatabase()
        let data = scratchDirectory("moved-node")
        defer { try? FileManager.default.removeItem(at: data) }
        let before = try await ServeNode.start(data: data, arguments: ["--log", first.urlString, "--log-level", "info"])
        let created = try await before.call(.POST, "/inboxes", json: ["name": "On the first log"])
        #expect(created.status == 201, "\(created.text)")
        #expect(await before.stop() == 0, "\(before.log)")

        let after = try await ServeNode.start(data: data, arguments: ["--log", second.urlString, "--log-level", "info"])
        let inboxes = try await after.call(.GET, "/inboxes")
        #expect(inboxes.status == 200, "\(inboxes.text)")
        #expect((inboxes.json["items"] as? [[String: Any]])?.count == 0, "the first log's inbox is not served: \(inboxes.text)")
        #expect(after.log.contains("the read models were built from another log"), "\(after.log)")
        #expect(await after.stop() == 0, "\(after.log)")
        try? await PostgresTestServer.shared.dropDatabase(first)
        try? await PostgresTestServer.shared.dropDatabase(second)
    }

    private func withTwoNodes(_ body: (ServeNode, ServeNode) async throws -> Void) async throws {
        let database = try await PostgresTestServer.shared.createDatabase()
        let root = scratchDirectory("two-nodes")
        defer { try? FileManager.default.removeItem(at: root) }
        let arguments = ["--log", database.urlString, "--log-level", "info"]
        let a = try await ServeNode.start(data: root.appendingPathComponent("a"), arguments: arguments)
        let b: ServeNode
        do {
            b = try await ServeNode.start(data: root.appendingPathComponent("b"), arguments: arguments)
        } catch {
            await a.stop()
            throw error
        }
        do {
            try await body(a, b)
        } catch {
            await a.stop()
            await b.stop()
            throw error
        }
        #expect(await a.stop() == 0, "\(a.log)")
        #expect(await b.stop() == 0, "\(b.log)")
        try? await PostgresTestServer.shared.dropDatabase(database)
    }

    /// An inbox with a custom channel, on `node`; answers the channel and the log position of its creation.
    private func customChannel(on node: ServeNode, memberIds: [String]) async throws -> (String, UInt64) {
        let inbox = try await node.call(.POST, "/inboxes", json: ["name": "Support", "memberIds": memberIds])
        #expect(inbox.status == 201, "\(inbox.text)")
        let inboxId = try #require(inbox.json["id"] as? String)
        let channel = try await node.call(.POST, "/inboxes/\(inboxId)/channels", json: ["type": "custom", "name": "Shop"])
        #expect(channel.status == 201, "\(channel.text)")
        return (try #require(channel.json["id"] as? String), try #require(channel.logPosition))
    }

    private struct FeedEntry: Equatable {
        let position: UInt64
        let eventId: String
        let type: String
    }

    /// The whole event feed of `node` up to `position`, page by page.
    private func allEvents(on node: ServeNode, through position: UInt64) async throws -> [FeedEntry] {
        var entries: [FeedEntry] = []
        var after: UInt64 = 0
        while after < position {
            let page = try await node.call(.GET, "/events?after=\(after)&limit=500")
            let items = try #require(page.json["items"] as? [[String: Any]], "\(page.text)")
            guard !items.isEmpty else { break }
            for item in items {
                entries.append(FeedEntry(
                    position: UInt64(item["position"] as? Int ?? 0), eventId: item["eventId"] as? String ?? "",
                    type: item["type"] as? String ?? ""))
            }
            after = entries.last!.position
        }
        return entries.filter { $0.position <= position }
    }
}
