import Foundation
import HTTPTypes
import InboxAPI
import InboxCore
import Testing
import TestSupport

/// The reports through the API over a seeded, generated history: they equal a recomputation from the raw
/// events, survive a rebuild of the views from the log, and `asOf` answers what the report said then.
@Suite(.serialized) struct ReportAPITests {
    /// Every envelope of the log, in order.
    func allEvents(_ api: APIClient) async throws -> [[String: Any]] {
        var events: [[String: Any]] = []
        var cursor: String?
        repeat {
            let page = try await api.call(.get, "events?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""), token: APIHarness.adminToken)
            events += page.items
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        return events
    }

    /// The agents report recomputed from the raw events by the definitions of API.md, independently of the
    /// service's own code: `[userId: [repliesSent, assigned, closed, avgFirst, medianFirst, avgResponse]]`.
    func recompute(_ events: [[String: Any]]) -> [String: [Double?]] {
        struct Clock { var open = false, cycleStart: Date?, answered = false, waiting: Date? }
        var clocks: [String: Clock] = [:]
        var replies: [String: Int] = [:], assigned: [String: Int] = [:], closed: [String: Int] = [:]
        var first: [String: [Double]] = [:], response: [String: [Double]] = [:]
        for event in events {
            guard let stream = event["streamId"] as? String, stream.hasPrefix("conversation-"),
                let payload = event["payload"] as? [String: Any], let type = event["type"] as? String
            else { continue }
            let id = String(stream.dropFirst("conversation-".count))
            var clock = clocks[id] ?? Clock()
            switch type {
            case "conversation.message_received.v1":
                let received = Timestamps.parse(payload["receivedAt"] as! String)!
                let sent = (payload["sentAt"] as? String).flatMap(Timestamps.parse)
                let at = sent.map { $0 <= received ? $0 : received } ?? received
                if !clock.open { clock = Clock(open: true, cycleStart: at, answered: false, waiting: nil) }
                clock.waiting = min(clock.waiting ?? at, at)
            case "conversation.reply_posted.v1":
                let author = payload["authorId"] as! String
                let at = Timestamps.parse(payload["postedAt"] as! String)!
                replies[author, default: 0] += 1
                if let waiting = clock.waiting { response[author, default: []].append(at.timeIntervalSince(waiting)) }
                if clock.open, !clock.answered, let start = clock.cycleStart {
                    first[author, default: []].append(at.timeIntervalSince(start))
                    clock.answered = true
                }
                clock.waiting = nil
            case "conversation.assigned.v1":
                if let user = payload["assigneeId"] as? String { assigned[user, default: 0] += 1 }
            case "conversation.closed.v1":
                if clock.open {
                    clock.open = false
                    clock.waiting = nil
                    if let actor = event["actor"] as? [String: String], actor["kind"] == "user" { closed[actor["id"]!, default: 0] += 1 }
                }
            default:
                break
            }
            clocks[id] = clock
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        func median(_ values: [Double]) -> Double? {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return nil }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        var rows: [String: [Double?]] = [:]
        for user in Set(replies.keys).union(assigned.keys).union(closed.keys).union(first.keys) {
            rows[user] = [Double(replies[user] ?? 0), Double(assigned[user] ?? 0), Double(closed[user] ?? 0),
                          mean(first[user] ?? []), median(first[user] ?? []), mean(response[user] ?? [])]
        }
        return rows
    }

    func report(_ items: [[String: Any]]) -> [String: [Double?]] {
        Dictionary(uniqueKeysWithValues: items.map { row in
            (row["userId"] as! String, ["repliesSent", "conversationsAssigned", "conversationsClosed", "avgFirstResponseSeconds",
                                        "medianFirstResponseSeconds", "avgResponseSeconds"].map { (row[$0] as? NSNumber)?.doubleValue })
        })
    }

    func close(_ a: [String: [Double?]], _ b: [String: [Double?]]) -> Bool {
        a.keys.sorted() == b.keys.sorted() && a.allSatisfy { key, values in
            zip(values, b[key]!).allSatisfy { x, y in x == y || (x != nil && y != nil && abs(x! - y!) < 0.002) }
        }
    }

    @Test func reportsEqualARecomputationFromTheLogSurviveARebuildAndAnswerAsOf() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let (o, captured, capturedAt) = try await harness.runReturning { api in
            let o = try await Organisation.create(api)
            var random = SplitMix64(seed: 42)
            let agents = [(o.ana, o.anaToken), (o.ben, o.benToken)]
            var open: [String] = []
            let now = Date()
            // Three weeks of conversations: messages from the past, replies, reassignments, closes and reopenings.
            for step in 0..<120 {
                let roll = Int.random(in: 0..<10, using: &random)
                if roll < 4 || open.isEmpty {
                    let sentAt = now.addingTimeInterval(-Double(Int.random(in: 60...(21 * 86_400), using: &random)))
                    let thread = "t-\(Int.random(in: 0..<40, using: &random))"
                    let id = try await o.receive(api, from: "c\(step % 17)@example.com", text: "Message \(step)",
                                                 extra: ["externalThreadId": thread, "sentAt": Timestamps.format(sentAt)])
                    if !open.contains(id) { open.append(id) }
                } else {
                    let conversation = open[Int.random(in: 0..<open.count, using: &random)]
                    let (agent, token) = agents[Int.random(in: 0..<2, using: &random)]
                    switch roll {
                    case 4...6: _ = try await api.call(.post, "conversations/\(conversation)/messages", token: token, json: ["text": "Reply \(step)"])
                    case 7: _ = try await api.call(.put, "conversations/\(conversation)/assignee", token: token, json: ["userId": agent])
                    default:
                        _ = try await api.call(.post, "conversations/\(conversation)/close", token: token)
                        open.removeAll { $0 == conversation }
                    }
                }
            }
            let live = try await api.call(.get, "reports/agents", token: APIHarness.adminToken)
            #expect(live.status == .ok)
            let expected = recompute(try await allEvents(api))
            #expect(close(report(live.items), expected), "live \(report(live.items)) != recomputed \(expected)")
            #expect(!expected.isEmpty)
            let capturedAt = Date()
            try await Task.sleep(for: .milliseconds(20))
            // More work after the captured instant.
            for conversation in open.prefix(5) {
                _ = try await api.call(.post, "conversations/\(conversation)/messages", token: o.anaToken, json: ["text": "Later"])
            }
            return (o, report(live.items), capturedAt)
        }

        // Rebuilt from the log alone by `switchboard replay`, the views answer the same; and asOf the captured
        // instant, the captured report.
        let executable = try builtExecutable(named: "switchboard")
        let replayed = try await ProcessRunner.run(executable, ["replay", "--data", harness.data.path])
        #expect(replayed.status == 0)
        #expect(String(decoding: replayed.output, as: UTF8.self).hasPrefix("Replayed "))
        let partial = harness.data.appendingPathComponent("analytics-then").path
        let until = try await ProcessRunner.run(
            executable, ["replay", "--data", harness.data.path, "--projection", "analytics", "--until", Timestamps.format(capturedAt), "--output", partial])
        #expect(until.status == 0)
        #expect(FileManager.default.fileExists(atPath: partial + "/data.mdb"))
        #expect(try await ProcessRunner.run(executable, ["replay", "--data", harness.data.path, "--projection", "nope", "--output", partial + "2"]).status != 0)
        try await harness.run { api in
            let rebuilt = try await api.call(.get, "reports/agents", token: APIHarness.adminToken)
            #expect(close(report(rebuilt.items), recompute(try await allEvents(api))))
            let asOf = try await api.call(.get, "reports/agents?asOf=\(Timestamps.format(capturedAt))", token: APIHarness.adminToken)
            #expect(close(report(asOf.items), captured))

            // Scoped to what the caller may see; periods and groupings checked.
            #expect(try await api.call(.get, "reports/agents", token: o.outsiderToken).items.isEmpty)
            #expect(try await api.call(.get, "reports/agents?inboxId=\(o.otherInbox)", token: o.anaToken).status == .notFound)
            let byDay = try await api.call(.get, "reports/response-times?groupBy=day&inboxId=\(o.inbox)", token: o.anaToken)
            #expect(byDay.status == .ok)
            #expect(byDay.items.count > 1)
            let byInbox = try await api.call(.get, "reports/response-times?groupBy=inbox", token: APIHarness.adminToken).items
            #expect(byInbox.map { $0["key"] as? String } == [o.inbox])
            let byTeam = try await api.call(.get, "reports/response-times?groupBy=team", token: APIHarness.adminToken).items
            #expect(byTeam.map { $0["key"] as? String } == [o.team])
            #expect(try await api.call(.get, "reports/response-times?groupBy=week", token: o.anaToken).status == .badRequest)
            #expect(try await api.call(.get, "reports/agents?from=2026-02-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z", token: o.anaToken).status == .badRequest)
            let future = try await api.call(.get, "reports/agents?from=2099-01-01T00:00:00.000Z", token: APIHarness.adminToken)
            #expect(future.items.isEmpty)
        }
    }
}
