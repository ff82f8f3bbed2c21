import Foundation
import InboxCore
import LMDB
import Testing
import TestSupport

@testable import Projections

/// The analytics view, folded in batches of any size, answers every query (inboxes, period, as of a position) as
/// the definitions do over the facts of the events up to that position.
@Suite struct AnalyticsProjectionTests {
    let directory = scratchDirectory("analytics")
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000.5)

    /// A generated history of `count` conversation events over about two weeks: bot sessions, messages (some sent
    /// earlier than received, some "in the future"), replies, assignments, closes, reopenings and comments.
    static func history(_ count: Int, seed: UInt64) -> [RecordedEvent] {
        var random = SplitMix64(seed: seed)
        var events: [RecordedEvent] = []
        var started: [String] = []
        func time(_ offset: Double) -> String { Timestamps.format(t0 + offset) }
        while events.count < count {
            let position = UInt64(events.count + 1)
            let now = Double(position) * 1_237.25
            let newConversation = started.isEmpty || Int.random(in: 0..<6, using: &random) == 0
            let id = newConversation ? "c\(started.count)" : started.randomElement(using: &random)!
            let user = "u\(Int.random(in: 1...4, using: &random))"
            let type: ConversationEvent.Tag
            let payload: String
            if newConversation {
                started.append(id)
                type = Bool.random(using: &random) ? .started : .filtered
                let channel = Int.random(in: 1...3, using: &random)
                payload = #"{"conversationId":"\#(id)","inboxId":"i\#(Int.random(in: 1...3, using: &random))","channelId":"ch\#(channel)","channelType":"\#(["email", "chat", "form"][channel - 1])","visitor":{},"reason":"blocked_sender"}"#
            } else {
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<3:
                    type = .messageReceived
                    let sent = now - Double(Int.random(in: -3_600_000...90_000_000, using: &random)) / 1000
                    payload = #"{"conversationId":"\#(id)","messageId":"m\#(position)","text":"hi","from":{},"sentAt":"\#(time(sent))","receivedAt":"\#(time(now))"}"#
                case 3..<5:
                    type = .replyPosted
                    payload = #"{"conversationId":"\#(id)","messageId":"r\#(position)","authorId":"\#(user)","text":"ok","postedAt":"\#(time(now))"}"#
                case 5: (type, payload) = (.assigned, #"{"conversationId":"\#(id)","assigneeId":"\#(user)"}"#)
                case 6: (type, payload) = (.closed, #"{"conversationId":"\#(id)"}"#)
                case 7: (type, payload) = (.reopened, #"{"conversationId":"\#(id)","reason":"user"}"#)
                case 8: (type, payload) = (.botSessionStarted, #"{"conversationId":"\#(id)","channelId":"ch2","at":"\#(time(now))"}"#)
                default: (type, payload) = (.botHandedOff, #"{"conversationId":"\#(id)","reason":"requested","at":"\#(time(now))"}"#)
                }
            }
            events.append(RecordedEvent(
                position: position, streamId: ConversationEvent.stream(id), streamVersion: 1, eventId: UUID(), type: type.rawValue,
                recordedAt: Date(timeIntervalSince1970: ((t0.timeIntervalSince1970 + now) * 1000).rounded() / 1000),
                actor: Bool.random(using: &random) ? ActorRef(kind: .user, id: user) : ActorRef(kind: .contact, id: "visitor"),
                payload: Data(payload.utf8)))
        }
        return events
    }

    /// The facts of `events` by the definitions, each with its event's position.
    static func facts(_ events: [RecordedEvent]) throws -> [(position: UInt64, fact: AnalyticsFact)] {
        var clocks: [String: ConversationClock] = [:]
        var facts: [(UInt64, AnalyticsFact)] = []
        for event in events {
            let decoded = try #require(try ConversationEvent(type: event.type, payload: event.payload))
            let id = String(event.streamId.id)
            facts += clocks[id, default: ConversationClock()].facts(decoded, actor: event.actor, recordedAt: event.recordedAt)
                .map { (event.position, $0) }
        }
        return facts
    }

    @Test(arguments: [11, 12] as [UInt64]) func reportsFromTheViewEqualTheDefinitionsForEveryQuery(seed: UInt64) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = Self.history(1_500, seed: seed)
        let expected = try Self.facts(events)
        let environment = try Environment(path: directory.path)
        defer { environment.close() }
        let analytics = try AnalyticsProjection(environment: environment)
        var random = SplitMix64(seed: seed)
        var next = 0
        while next < events.count {
            let end = min(events.count, next + Int.random(in: 1...60, using: &random))
            let batch = events[next..<end].filter { analytics.handles($0.type) }
            try environment.write { txn in try analytics.apply(contentsOf: batch, in: txn) }
            next = end
        }

        let day = 86_400.0
        let periods: [(Date?, Date?)] = [(nil, nil), (Self.t0 + 2 * day, Self.t0 + 9 * day), (nil, Self.t0 + 3.5 * day), (Self.t0 + 5 * day, nil)]
        let scopes: [Set<String>] = [["i1", "i2", "i3"], ["i2"], ["i1", "i3"]]
        let teams = ["u1": ["t1"], "u2": ["t1", "t2"]]
        for (from, to) in periods {
            for inboxes in scopes {
                for upTo in [nil, 700, 1] as [UInt64?] {
                    let query = AnalyticsQuery(includes: { inboxes.contains($0) }, from: from, to: to, upTo: upTo)
                    let kept = expected.filter { position, fact in
                        inboxes.contains(fact.inboxId) && upTo.map { position <= $0 } ?? true && from.map { fact.at >= $0 } ?? true
                            && to.map { fact.at < $0 } ?? true
                    }.map(\.fact)
                    let groupings = [ResponseTimeGrouping.day, .inbox, .channel, .team(teamsOfUser: teams)]
                    let (agents, bots, times) = try environment.read { txn in
                        (
                            try analytics.agents(query, in: txn), try analytics.bots(query, in: txn),
                            try groupings.map { try analytics.responseTimes(query, grouping: $0, in: txn) }
                        )
                    }
                    #expect(agents == Reports.agents(kept))
                    #expect(bots == Reports.bots(kept))
                    #expect(times == groupings.map { Reports.responseTimes(kept, grouping: $0) })
                }
            }
        }
        let stored = try environment.read { txn in try analytics.facts(AnalyticsQuery(includes: { _ in true }), in: txn) }
        #expect(stored.records.count == expected.count)
        #expect(!Reports.agents(expected.map(\.fact)).isEmpty, "the history gives the reports something to count")
    }
}
