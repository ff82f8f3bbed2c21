import Foundation

/// The reports of API.md over facts already narrowed to the caller's inboxes and period (the tallies do the
/// counting, record by record). Averages and medians are exact, over every fact; nil where there is nothing to
/// measure.
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
        let (records, names) = records(facts)
        var tally = AgentsTally()
        for record in records { tally.add(record) }
        return tally.rows(names: names)
    }

    /// How fast the team responds, per group (a day, an inbox, a channel type, the teams of the user a fact is
    /// credited to). `conversations`: distinct conversations with a fact.
    public static func responseTimes(_ facts: [AnalyticsFact], grouping: ResponseTimeGrouping) -> [ResponseTimeRow] {
        let (records, names) = records(facts)
        var tally = ResponseTimesTally(grouping: grouping, names: names)
        for record in records { tally.add(record) }
        return tally.rows()
    }

    /// How the bots do, per chat channel.
    public static func bots(_ facts: [AnalyticsFact]) -> [BotRow] {
        let (records, names) = records(facts)
        var tally = BotsTally()
        for record in records { tally.add(record) }
        return tally.rows(names: names)
    }

    /// `facts`, taken to be in log order, as records.
    private static func records(_ facts: [AnalyticsFact]) -> ([FactRecord], FactNames) {
        var names = FactNames()
        var conversations = FactNames()
        let records = facts.enumerated().map { index, fact in
            fact.record(order: UInt64(index), names: &names, conversations: &conversations)
        }
        return (records, names)
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
