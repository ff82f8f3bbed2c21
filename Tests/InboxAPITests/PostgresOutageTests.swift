import Foundation
import NIOHTTP1
import PostgresEventLog
import Testing
import TestSupport

/// A node on a PostgreSQL log that goes away: writes answer 503 and write nothing, reads keep coming from the
/// node's own read models, and the node carries on by itself once the database is back.
@Suite struct PostgresOutageTests {
    @Test(.timeLimit(.minutes(3))) func whilePostgresIsDownWritesAnswer503ReadsServeAndTheNodeRecovers() async throws {
        try await withNodeOnOwnCluster { cluster, node in
            let channelId = try await customChannel(on: node)
            let before = try await node.call(
                .POST, "/channels/\(channelId)/messages", json: ["from": ["email": "before@example.com"], "text": "hello"])
            #expect(before.status == 201, "\(before.text)")

            try await cluster.kill()
            let refused = try await node.call(
                .POST, "/channels/\(channelId)/messages", json: ["from": ["email": "during@example.com"], "text": "lost?"])
            #expect(refused.status == 503, "\(refused.text)")
            #expect(refused.errorCode == "unavailable")
            #expect(refused.headers["retry-after"] == "1")
            let list = try await node.call(.GET, "/conversations")
            #expect(list.status == 200, "reads come from the node's own views: \(list.text)")
            #expect((list.json["items"] as? [[String: Any]])?.count == 1)

            try await cluster.resume()
            let after = try await postUntilAccepted(
                node, channelId, ["from": ["email": "after@example.com"], "text": "back", "externalMessageId": "after-1"])
            #expect(after.status == 201, "\(after.text)")
            let listAfter = try await node.call(.GET, "/conversations")
            let senders = Set((listAfter.json["items"] as? [[String: Any]] ?? []).compactMap { $0["preview"] as? String })
            #expect(senders == ["hello", "back"], "the refused message was not half-written")
        }
    }

    /// Four clients keep writing while PostgreSQL crashes and restarts; each retries a refused message with the
    /// same external id. Every message ends up in the inbox exactly once, and nothing answers other than 201 or 503.
    @Test(.timeLimit(.minutes(3)))
    func aPostgresRestartInTheMiddleOfAWriteLoadLosesAndDuplicatesNothing() async throws {
        try await withNodeOnOwnCluster { cluster, node in
            let channelId = try await customChannel(on: node)
            let restarted = TestFlag()
            let sent = try await withThrowingTaskGroup(of: [String].self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        var ids: [String] = []
                        var afterRestart = 0
                        var i = 0
                        while afterRestart < 10 {
                            let id = "w\(writer)-\(i)"
                            i += 1
                            let answer = try await postUntilAccepted(
                                node, channelId, ["from": ["email": "\(id)@example.com"], "text": id, "externalMessageId": id])
                            #expect(answer.status == 201, "\(id): \(answer.text)")
                            ids.append(id)
                            if restarted.isSet { afterRestart += 1 }
                        }
                        return ids
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                try await cluster.restart()
                restarted.set()
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }

            var previews: [String] = []
            var cursor: String?
            repeat {
                let page = try await node.call(.GET, "/conversations?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
                previews += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["preview"] as? String }
                cursor = page.json["nextCursor"] as? String
            } while cursor != nil
            #expect(previews.count == sent.count, "one conversation per message, none twice")
            #expect(Set(previews) == Set(sent))
        }
    }

    private func withNodeOnOwnCluster(_ body: (PostgresTestCluster, ServeNode) async throws -> Void) async throws {
        let cluster = try await PostgresTestCluster.start()
        defer { cluster.stopWhenDone() }
        let data = scratchDirectory("outage-node")
        defer { try? FileManager.default.removeItem(at: data) }
        let node = try await ServeNode.start(data: data, arguments: ["--log", cluster.url.urlString, "--log-level", "info"])
        do {
            try await body(cluster, node)
        } catch {
            await node.stop()
            throw error
        }
        #expect(await node.stop() == 0, "\(node.log)")
    }

    private func customChannel(on node: ServeNode) async throws -> String {
        let inbox = try await node.call(.POST, "/inboxes", json: ["name": "Support"])
        let inboxId = try #require(inbox.json["id"] as? String, "\(inbox.text)")
        let channel = try await node.call(.POST, "/inboxes/\(inboxId)/channels", json: ["type": "custom", "name": "Shop"])
        return try #require(channel.json["id"] as? String, "\(channel.text)")
    }
}

/// Posts an inbound message, retrying while the node answers 503 (for at most 30 s), as a client honouring
/// `Retry-After` would; answers the first other answer.
private func postUntilAccepted(_ node: ServeNode, _ channelId: String, _ message: [String: Any]) async throws -> NodeAnswer {
    let deadline = ContinuousClock.now + .seconds(30)
    while true {
        let answer = try await node.call(.POST, "/channels/\(channelId)/messages", json: message)
        guard answer.status == 503, ContinuousClock.now < deadline else { return answer }
        #expect(answer.errorCode == "unavailable", "\(answer.text)")
        try await Task.sleep(for: .milliseconds(100))
    }
}
