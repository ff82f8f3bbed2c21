import Foundation
import InboxCore
import Testing
import TestSupport

/// The tallies count stored records in whatever order the view hands them over; they must give exactly what the
/// definitions give over the facts in log order (`Straightforward`, the reports as first written).
@Suite struct ReportTalliesTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    /// Facts of every kind over 10 days, with times in fractions of seconds (so that sums depend on their order).
    static func randomFacts(_ count: Int, seed: UInt64) -> [AnalyticsFact] {
        var random = SplitMix64(seed: seed)
        let channels = [("ch1", "email"), ("ch2", "chat"), ("ch3", "chat"), ("ch4", "messenger")]
        return (0..<count).map { _ in
            let channel = channels.randomElement(using: &random)!
            let user = Int.random(in: 0..<6, using: &random)
            return AnalyticsFact(
                kind: AnalyticsFact.Kind.allCases.randomElement(using: &random)!,
                conversationId: "c\(Int.random(in: 0..<40, using: &random))", inboxId: "i\(Int.random(in: 0..<3, using: &random))",
                channelId: channel.0, channelType: channel.1,
                at: t0 + Double(Int.random(in: 0..<864_000_000, using: &random)) / 1000,
                userId: user == 0 ? nil : "u\(user)",
                seconds: Bool.random(using: &random) ? nil : Double.random(in: 0..<10_000, using: &random))
        }
    }

    static let teams = ["u1": ["t1"], "u2": ["t1", "t2"], "u4": ["t3"]]

    @Test(arguments: [1, 2, 3] as [UInt64]) func reportsEqualTheStraightforwardComputation(seed: UInt64) {
        let facts = Self.randomFacts(600, seed: seed)
        #expect(Reports.agents(facts) == Straightforward.agents(facts))
        #expect(Reports.bots(facts) == Straightforward.bots(facts))
        #expect(Reports.responseTimes(facts, grouping: .day) == Straightforward.responseTimes(facts) { [String(Timestamps.format($0.at).prefix(10))] })
        #expect(Reports.responseTimes(facts, grouping: .inbox) == Straightforward.responseTimes(facts) { [$0.inboxId] })
        #expect(Reports.responseTimes(facts, grouping: .channel) == Straightforward.responseTimes(facts) { [$0.channelType] })
        #expect(Reports.responseTimes(facts, grouping: .team(teamsOfUser: Self.teams)) == Straightforward.responseTimes(facts) {
            $0.userId.flatMap { Self.teams[$0] } ?? []
        })
    }

    @Test(arguments: [4, 5] as [UInt64]) func recordsInAnyOrderGiveTheReportOfTheLogOrder(seed: UInt64) {
        let facts = Self.randomFacts(600, seed: seed)
        var names = FactNames()
        var conversations = FactNames()
        var records = facts.enumerated().map { index, fact in
            fact.record(order: FactRecord.order(position: UInt64(index + 1), index: 0), names: &names, conversations: &conversations)
        }
        var random = SplitMix64(seed: seed)
        records.shuffle(using: &random)
        var agents = AgentsTally()
        var byDay = ResponseTimesTally(grouping: .day, names: names)
        var bots = BotsTally()
        for record in records {
            agents.add(record)
            byDay.add(record)
            bots.add(record)
        }
        #expect(agents.rows(names: names) == Straightforward.agents(facts))
        #expect(byDay.rows() == Straightforward.responseTimes(facts) { [String(Timestamps.format($0.at).prefix(10))] })
        #expect(bots.rows(names: names) == Straightforward.bots(facts))
    }

    @Test func namesAreNumberedFromOneAndNoneIsZero() {
        var names = FactNames()
        #expect(names.number("a") == 1 && names.number("b") == 2 && names.number("a") == 1)
        #expect(names.name(1) == "a" && names.name(FactNames.none) == nil && names.name(9) == nil)
        #expect(FactNames(names: ["a", "b"]) == names)
    }
}

/// The reports computed straight from the definitions, fact by fact in log order.
enum Straightforward {
    static func agents(_ facts: [AnalyticsFact]) -> [Reports.AgentRow] {
        var rows: [String: Reports.AgentRow] = [:]
        var firstResponses: [String: [Double]] = [:]
        var responses: [String: [Double]] = [:]
        for fact in facts {
            guard let userId = fact.userId else { continue }
            switch fact.kind {
            case .reply:
                rows[userId, default: Reports.AgentRow(userId: userId)].repliesSent += 1
                if let seconds = fact.seconds { responses[userId, default: []].append(seconds) }
            case .firstResponse:
                if let seconds = fact.seconds { firstResponses[userId, default: []].append(seconds) }
            case .assigned:
                rows[userId, default: Reports.AgentRow(userId: userId)].conversationsAssigned += 1
            case .closed:
                rows[userId, default: Reports.AgentRow(userId: userId)].conversationsClosed += 1
            default:
                continue
            }
        }
        for (userId, values) in firstResponses {
            rows[userId, default: Reports.AgentRow(userId: userId)].avgFirstResponseSeconds = Reports.average(values)
            rows[userId, default: Reports.AgentRow(userId: userId)].medianFirstResponseSeconds = Reports.median(values)
        }
        for (userId, values) in responses { rows[userId]?.avgResponseSeconds = Reports.average(values) }
        return rows.values.sorted { ($0.repliesSent, $1.userId) > ($1.repliesSent, $0.userId) }
    }

    static func responseTimes(_ facts: [AnalyticsFact], keys: (AnalyticsFact) -> [String]) -> [Reports.ResponseTimeRow] {
        struct Group { var conversations = Set<String>(), first: [Double] = [], responses: [Double] = [], closes: [Double] = [] }
        var groups: [String: Group] = [:]
        for fact in facts where [.cycleOpened, .reply, .firstResponse, .closed].contains(fact.kind) {
            for key in keys(fact) {
                groups[key, default: Group()].conversations.insert(fact.conversationId)
                guard let seconds = fact.seconds else { continue }
                switch fact.kind {
                case .firstResponse: groups[key]?.first.append(seconds)
                case .reply: groups[key]?.responses.append(seconds)
                case .closed: groups[key]?.closes.append(seconds)
                default: break
                }
            }
        }
        return groups.map { key, group in
            var row = Reports.ResponseTimeRow(key: key)
            row.conversations = group.conversations.count
            row.avgFirstResponseSeconds = Reports.average(group.first)
            row.medianFirstResponseSeconds = Reports.median(group.first)
            row.avgResponseSeconds = Reports.average(group.responses)
            row.avgTimeToCloseSeconds = Reports.average(group.closes)
            return row
        }.sorted { $0.key < $1.key }
    }

    static func bots(_ facts: [AnalyticsFact]) -> [Reports.BotRow] {
        var rows: [String: Reports.BotRow] = [:]
        var messages: [String: Int] = [:]
        for fact in facts {
            let id = fact.channelId
            switch fact.kind {
            case .botSession: rows[id, default: Reports.BotRow(channelId: id)].sessions += 1
            case .botHandedOff: rows[id, default: Reports.BotRow(channelId: id)].handedOff += 1
            case .botResolved: rows[id, default: Reports.BotRow(channelId: id)].resolvedByBot += 1
            case .botEmailCaptured: rows[id, default: Reports.BotRow(channelId: id)].emailsCaptured += 1
            case .botMessage: messages[id, default: 0] += 1
            default: continue
            }
        }
        for (id, count) in messages {
            guard let sessions = rows[id]?.sessions, sessions > 0 else { continue }
            rows[id]?.avgBotMessagesPerSession = Double(count) / Double(sessions)
        }
        return rows.values.sorted { $0.channelId < $1.channelId }
    }
}
