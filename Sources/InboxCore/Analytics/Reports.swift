import Foundation

/// The reports of API.md computed from facts already narrowed to the caller's inboxes and period. Averages and
/// medians are exact, over every fact; nil where there is nothing to measure.
public enum Reports {
    public struct AgentRow: Encodable, Sendable, Equatable {
        public var userId: String
        public var repliesSent = 0
        public var conversationsAssigned = 0
        public var conversationsClosed = 0
        public var avgFirstResponseSeconds: Double?
        public var medianFirstResponseSeconds: Double?
        public var avgResponseSeconds: Double?

        public init(userId: String) {
            self.userId = userId
        }

        enum CodingKeys: String, CodingKey {
            case userId, repliesSent, conversationsAssigned, conversationsClosed, avgFirstResponseSeconds,
                medianFirstResponseSeconds, avgResponseSeconds
        }

        /// Every field, `null` included: clients read a missing average as "nothing to measure".
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(userId, forKey: .userId)
            try container.encode(repliesSent, forKey: .repliesSent)
            try container.encode(conversationsAssigned, forKey: .conversationsAssigned)
            try container.encode(conversationsClosed, forKey: .conversationsClosed)
            try container.encode(avgFirstResponseSeconds, forKey: .avgFirstResponseSeconds)
            try container.encode(medianFirstResponseSeconds, forKey: .medianFirstResponseSeconds)
            try container.encode(avgResponseSeconds, forKey: .avgResponseSeconds)
        }
    }

    public struct ResponseTimeRow: Encodable, Sendable, Equatable {
        public var key: String
        public var conversations = 0
        public var avgFirstResponseSeconds: Double?
        public var medianFirstResponseSeconds: Double?
        public var avgResponseSeconds: Double?
        public var avgTimeToCloseSeconds: Double?

        public init(key: String) {
            self.key = key
        }

        enum CodingKeys: String, CodingKey {
            case key, conversations, avgFirstResponseSeconds, medianFirstResponseSeconds, avgResponseSeconds, avgTimeToCloseSeconds
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(conversations, forKey: .conversations)
            try container.encode(avgFirstResponseSeconds, forKey: .avgFirstResponseSeconds)
            try container.encode(medianFirstResponseSeconds, forKey: .medianFirstResponseSeconds)
            try container.encode(avgResponseSeconds, forKey: .avgResponseSeconds)
            try container.encode(avgTimeToCloseSeconds, forKey: .avgTimeToCloseSeconds)
        }
    }

    public struct BotRow: Encodable, Sendable, Equatable {
        public var channelId: String
        public var sessions = 0
        public var handedOff = 0
        public var resolvedByBot = 0
        public var emailsCaptured = 0
        public var avgBotMessagesPerSession: Double?

        public init(channelId: String) {
            self.channelId = channelId
        }

        enum CodingKeys: String, CodingKey {
            case channelId, sessions, handedOff, resolvedByBot, emailsCaptured, avgBotMessagesPerSession
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(channelId, forKey: .channelId)
            try container.encode(sessions, forKey: .sessions)
            try container.encode(handedOff, forKey: .handedOff)
            try container.encode(resolvedByBot, forKey: .resolvedByBot)
            try container.encode(emailsCaptured, forKey: .emailsCaptured)
            try container.encode(avgBotMessagesPerSession, forKey: .avgBotMessagesPerSession)
        }
    }

    /// Who replies most: one row per user with any reply, assignment or close, most replies first.
    public static func agents(_ facts: [AnalyticsFact]) -> [AgentRow] {
        var rows: [String: AgentRow] = [:]
        var firstResponses: [String: [Double]] = [:]
        var responses: [String: [Double]] = [:]
        for fact in facts {
            guard let userId = fact.userId else { continue }
            switch fact.kind {
            case .reply:
                rows[userId, default: AgentRow(userId: userId)].repliesSent += 1
                if let seconds = fact.seconds { responses[userId, default: []].append(seconds) }
            case .firstResponse:
                if let seconds = fact.seconds { firstResponses[userId, default: []].append(seconds) }
            case .assigned:
                rows[userId, default: AgentRow(userId: userId)].conversationsAssigned += 1
            case .closed:
                rows[userId, default: AgentRow(userId: userId)].conversationsClosed += 1
            default:
                continue
            }
        }
        for (userId, values) in firstResponses {
            rows[userId, default: AgentRow(userId: userId)].avgFirstResponseSeconds = average(values)
            rows[userId, default: AgentRow(userId: userId)].medianFirstResponseSeconds = median(values)
        }
        for (userId, values) in responses { rows[userId]?.avgResponseSeconds = average(values) }
        return rows.values.sorted { ($0.repliesSent, $1.userId) > ($1.repliesSent, $0.userId) }
    }

    /// How fast the team responds, per group: `keys` names the groups a fact counts in (a day, an inbox, a
    /// channel, the teams of the user it is credited to). `conversations`: distinct conversations with a fact.
    public static func responseTimes(_ facts: [AnalyticsFact], keys: (AnalyticsFact) -> [String]) -> [ResponseTimeRow] {
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
            var row = ResponseTimeRow(key: key)
            row.conversations = group.conversations.count
            row.avgFirstResponseSeconds = average(group.first)
            row.medianFirstResponseSeconds = median(group.first)
            row.avgResponseSeconds = average(group.responses)
            row.avgTimeToCloseSeconds = average(group.closes)
            return row
        }.sorted { $0.key < $1.key }
    }

    /// How the bots do, per chat channel.
    public static func bots(_ facts: [AnalyticsFact]) -> [BotRow] {
        var rows: [String: BotRow] = [:]
        var messages: [String: Int] = [:]
        for fact in facts {
            let id = fact.channelId
            switch fact.kind {
            case .botSession: rows[id, default: BotRow(channelId: id)].sessions += 1
            case .botHandedOff: rows[id, default: BotRow(channelId: id)].handedOff += 1
            case .botResolved: rows[id, default: BotRow(channelId: id)].resolvedByBot += 1
            case .botEmailCaptured: rows[id, default: BotRow(channelId: id)].emailsCaptured += 1
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

    public static func average(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The exact median: the middle value, or the mean of the two middle values.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
