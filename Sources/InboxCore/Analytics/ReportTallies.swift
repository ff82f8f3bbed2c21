import Foundation

/// Times of one kind for one row, added up in log order whatever order the records come in: floating-point sums
/// depend on their order, and a report must not change with how its facts are stored. The values are all kept,
/// for exact medians.
struct LogOrderedTimes {
    private var entries: [(order: UInt64, seconds: Double)] = []
    private var inOrder = true

    var isEmpty: Bool { entries.isEmpty }

    mutating func append(_ seconds: Double, order: UInt64) {
        if let last = entries.last, last.order > order { inOrder = false }
        entries.append((order, seconds))
    }

    func average() -> Double? {
        let ordered = inOrder ? entries : entries.sorted { $0.order < $1.order }
        return Reports.average(ordered.map(\.seconds))
    }

    func median() -> Double? { Reports.median(entries.map(\.seconds)) }
}

/// The agents report, fed one record at a time.
public struct AgentsTally: Sendable {
    private struct User {
        var row = false
        var replies = 0, assigned = 0, closed = 0
        var firstResponses = LogOrderedTimes()
        var responses = LogOrderedTimes()
    }

    private var users: [UInt32: User] = [:]

    public init() {}

    public mutating func add(_ record: FactRecord) {
        guard record.user != FactNames.none else { return }
        switch record.kind {
        case .reply:
            users[record.user, default: User()].row = true
            users[record.user]!.replies += 1
            if let seconds = record.seconds { users[record.user]!.responses.append(seconds, order: record.order) }
        case .firstResponse:
            if let seconds = record.seconds { users[record.user, default: User()].firstResponses.append(seconds, order: record.order) }
        case .assigned:
            users[record.user, default: User()].row = true
            users[record.user]!.assigned += 1
        case .closed:
            users[record.user, default: User()].row = true
            users[record.user]!.closed += 1
        default:
            return
        }
    }

    /// One row per user with any reply, assignment, close or first response, most replies first.
    public func rows(names: FactNames) -> [Reports.AgentRow] {
        users.compactMap { number, user -> Reports.AgentRow? in
            guard user.row || !user.firstResponses.isEmpty else { return nil }
            var row = Reports.AgentRow(userId: names.name(number) ?? "")
            row.repliesSent = user.replies
            row.conversationsAssigned = user.assigned
            row.conversationsClosed = user.closed
            row.avgFirstResponseSeconds = user.firstResponses.average()
            row.medianFirstResponseSeconds = user.firstResponses.median()
            row.avgResponseSeconds = user.responses.average()
            return row
        }.sorted { ($0.repliesSent, $1.userId) > ($1.repliesSent, $0.userId) }
    }
}

/// What the response-times report groups by.
public enum ResponseTimeGrouping: Sendable, Equatable {
    /// The UTC day of the fact (`YYYY-MM-DD`).
    case day
    case inbox
    /// The channel's type.
    case channel
    /// Every team of the user the fact is credited to: each user id's team ids.
    case team(teamsOfUser: [String: [String]])
}

/// The response-times report, fed one record at a time.
public struct ResponseTimesTally: Sendable {
    private struct Group {
        var key: String
        var conversations = Set<UInt32>()
        var first = LogOrderedTimes()
        var responses = LogOrderedTimes()
        var closes = LogOrderedTimes()
    }

    private let grouping: ResponseTimeGrouping
    private let names: FactNames
    private var groups: [Group] = []
    private var groupOfKey: [String: Int] = [:]
    /// The groups of a day number, an inbox or channel type number, or a user number, found once each.
    private var groupsOfNumber: [Int64: [Int]] = [:]

    public init(grouping: ResponseTimeGrouping, names: FactNames) {
        self.grouping = grouping
        self.names = names
    }

    public mutating func add(_ record: FactRecord) {
        switch record.kind {
        case .cycleOpened, .reply, .firstResponse, .closed: break
        default: return
        }
        for index in groups(of: record) {
            groups[index].conversations.insert(record.conversation)
            guard let seconds = record.seconds else { continue }
            switch record.kind {
            case .firstResponse: groups[index].first.append(seconds, order: record.order)
            case .reply: groups[index].responses.append(seconds, order: record.order)
            case .closed: groups[index].closes.append(seconds, order: record.order)
            default: break
            }
        }
    }

    private mutating func groups(of record: FactRecord) -> [Int] {
        let number: Int64
        switch grouping {
        case .day: number = Timestamps.day(of: record.at)
        case .inbox: number = Int64(record.inbox)
        case .channel: number = Int64(record.channelType)
        case .team: number = Int64(record.user)
        }
        if let known = groupsOfNumber[number] { return known }
        let keys: [String]
        switch grouping {
        case .day: keys = [String(Timestamps.format(record.at).prefix(10))]
        case .inbox: keys = [names.name(record.inbox) ?? ""]
        case .channel: keys = [names.name(record.channelType) ?? ""]
        case .team(let teamsOfUser): keys = names.name(record.user).flatMap { teamsOfUser[$0] } ?? []
        }
        let found = keys.map { key in
            if let index = groupOfKey[key] { return index }
            groups.append(Group(key: key))
            groupOfKey[key] = groups.count - 1
            return groups.count - 1
        }
        groupsOfNumber[number] = found
        return found
    }

    /// One row per group, by key. `conversations`: distinct conversations with a fact in the group.
    public func rows() -> [Reports.ResponseTimeRow] {
        groups.map { group in
            var row = Reports.ResponseTimeRow(key: group.key)
            row.conversations = group.conversations.count
            row.avgFirstResponseSeconds = group.first.average()
            row.medianFirstResponseSeconds = group.first.median()
            row.avgResponseSeconds = group.responses.average()
            row.avgTimeToCloseSeconds = group.closes.average()
            return row
        }.sorted { $0.key < $1.key }
    }
}

/// The bots report, fed one record at a time.
public struct BotsTally: Sendable {
    private struct Channel {
        var row = false
        var sessions = 0, handedOff = 0, resolved = 0, emails = 0, messages = 0
    }

    private var channels: [UInt32: Channel] = [:]

    public init() {}

    public mutating func add(_ record: FactRecord) {
        switch record.kind {
        case .botSession: channels[record.channel, default: Channel()].sessions += 1
        case .botHandedOff: channels[record.channel, default: Channel()].handedOff += 1
        case .botResolved: channels[record.channel, default: Channel()].resolved += 1
        case .botEmailCaptured: channels[record.channel, default: Channel()].emails += 1
        case .botMessage:
            channels[record.channel, default: Channel()].messages += 1
            return
        default: return
        }
        channels[record.channel]!.row = true
    }

    /// One row per chat channel with a bot session, handoff, resolution or captured email.
    public func rows(names: FactNames) -> [Reports.BotRow] {
        channels.compactMap { number, channel -> Reports.BotRow? in
            guard channel.row else { return nil }
            var row = Reports.BotRow(channelId: names.name(number) ?? "")
            row.sessions = channel.sessions
            row.handedOff = channel.handedOff
            row.resolvedByBot = channel.resolved
            row.emailsCaptured = channel.emails
            if channel.messages > 0, channel.sessions > 0 {
                row.avgBotMessagesPerSession = Double(channel.messages) / Double(channel.sessions)
            }
            return row
        }.sorted { $0.channelId < $1.channelId }
    }
}
