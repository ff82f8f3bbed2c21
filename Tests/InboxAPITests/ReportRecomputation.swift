import Foundation
import InboxCore

/// A log event as the recomputation reads it: the envelope's fields, the payload as plain JSON.
struct RawEvent {
    var position: UInt64
    /// The conversation, for events of `conversation-<id>` streams.
    var conversationId: String?
    var type: String
    var recordedAt: Date
    var actor: ActorRef
    var payload: [String: Any]

    init(_ event: RecordedEvent) throws {
        position = event.position
        conversationId = event.streamId.category == "conversation" ? String(event.streamId.id) : nil
        type = event.type
        recordedAt = event.recordedAt
        actor = event.actor
        payload = try JSONSerialization.jsonObject(with: event.payload) as? [String: Any] ?? [:]
    }
}

/// Which part of the history a report covers: the inboxes the caller may see (nil: all), the period the things
/// counted happened in, `[from, to)`, and the log as it stood at `asOf`.
struct ReportScope {
    var inboxes: Set<String>?
    var from: Date?
    var to: Date?
    var asOf: Date?
}

/// The reports of API.md recomputed from the raw events by its metric definitions, written apart from the
/// service's analytics so that a mistake in either shows against the other. Rows are keyed by what identifies
/// them (user, group key, channel), their fields in the order of `fields`.
struct ReportRecomputation {
    static let agentFields = [
        "repliesSent", "conversationsAssigned", "conversationsClosed", "avgFirstResponseSeconds", "medianFirstResponseSeconds",
        "avgResponseSeconds",
    ]
    static let responseTimeFields = [
        "conversations", "avgFirstResponseSeconds", "medianFirstResponseSeconds", "avgResponseSeconds", "avgTimeToCloseSeconds",
    ]
    static let botFields = ["sessions", "handedOff", "resolvedByBot", "emailsCaptured", "avgBotMessagesPerSession"]

    /// Something a report counts: when it happened (`at`), in which conversation, inbox and channel, credited to
    /// which user, with the seconds it measures.
    struct Measure {
        enum Kind { case cycleOpened, reply, firstResponse, assignment, close, botSession, botMessage, handoff, botResolution, emailCapture }
        var kind: Kind
        var conversation: String
        var inbox: String
        var channelId: String
        var channelType: String
        var at: Date
        var recordedAt: Date
        var user: String?
        var seconds: Double?
    }

    /// Where a conversation stands for the definitions.
    private struct Thread {
        var inbox = "", channelId = "", channelType = ""
        /// A cycle runs: it opened with an inbound message and has not been closed.
        var inCycle = false
        var cycleStart: Date?
        /// Where the cycle's first response time runs from: its first inbound message, or the bot's handoff.
        var firstResponseFrom: Date?
        var firstResponded = false
        /// The earliest inbound message no user has answered.
        var waitingSince: Date?
        /// A bot session is under way: the bot answers, the team's clock waits for the handoff.
        var botHandling = false
    }

    private(set) var measures: [Measure] = []
    /// Every team with its members and when it was formed (a team's members are set when it is created).
    private(set) var teams: [(id: String, members: [String], recordedAt: Date)] = []

    init(_ events: [RawEvent]) {
        var threads: [String: Thread] = [:]
        var found: [Measure] = []
        for event in events {
            if event.type == "team.created.v1" {
                teams.append((event.payload["teamId"] as! String, event.payload["memberIds"] as! [String], event.recordedAt))
            }
            guard let id = event.conversationId else { continue }
            var thread = threads[id] ?? Thread()
            let payload = event.payload
            func measure(_ kind: Measure.Kind, at: Date, user: String? = nil, seconds: Double? = nil) {
                found.append(Measure(
                    kind: kind, conversation: id, inbox: thread.inbox, channelId: thread.channelId, channelType: thread.channelType,
                    at: at, recordedAt: event.recordedAt, user: user, seconds: seconds))
            }
            func time(_ key: String) -> Date { Timestamps.parse(payload[key] as! String)! }
            switch event.type {
            case "conversation.started.v1", "conversation.filtered.v1":
                thread.inbox = payload["inboxId"] as! String
                thread.channelId = payload["channelId"] as! String
                thread.channelType = payload["channelType"] as! String
            case "conversation.message_received.v1":
                // The channel's send time, unless it is later than the receipt.
                let received = time("receivedAt")
                let sent = (payload["sentAt"] as? String).flatMap(Timestamps.parse)
                let at = sent.map { min($0, received) } ?? received
                if !thread.inCycle {
                    thread.inCycle = true
                    thread.cycleStart = at
                    thread.firstResponseFrom = at
                    thread.firstResponded = false
                    measure(.cycleOpened, at: at)
                }
                // The earliest unanswered message by its time: a late email can be older than one already waiting.
                if !thread.botHandling { thread.waitingSince = min(thread.waitingSince ?? at, at) }
            case "conversation.bot_session_started.v1":
                // The bot answers the message that opened the session and those after it.
                thread.botHandling = true
                thread.waitingSince = nil
                measure(.botSession, at: time("at"))
            case "conversation.bot_replied.v1":
                measure(.botMessage, at: time("at"))
            case "conversation.bot_email_captured.v1":
                measure(.emailCapture, at: time("at"))
            case "conversation.bot_handed_off.v1":
                let at = time("at")
                thread.botHandling = false
                thread.firstResponseFrom = at
                thread.waitingSince = at
                measure(.handoff, at: at)
            case "conversation.bot_resolved.v1":
                thread.botHandling = false
                measure(.botResolution, at: time("at"))
            case "conversation.reply_posted.v1":
                let author = payload["authorId"] as! String
                let at = time("postedAt")
                measure(.reply, at: at, user: author, seconds: thread.waitingSince.map { at.timeIntervalSince($0) })
                if thread.inCycle, !thread.firstResponded, let from = thread.firstResponseFrom {
                    measure(.firstResponse, at: at, user: author, seconds: at.timeIntervalSince(from))
                    thread.firstResponded = true
                }
                thread.waitingSince = nil
                thread.botHandling = false
            case "conversation.assigned.v1":
                if let assignee = payload["assigneeId"] as? String { measure(.assignment, at: event.recordedAt, user: assignee) }
            case "conversation.closed.v1":
                // A close ends the cycle under way; closing a conversation reopened by hand, with nothing new from
                // the contact, ends none and is not counted.
                guard thread.inCycle, let start = thread.cycleStart else { break }
                measure(
                    .close, at: event.recordedAt, user: event.actor.kind == .user ? event.actor.id : nil,
                    seconds: event.recordedAt.timeIntervalSince(start))
                thread.inCycle = false
                thread.waitingSince = nil
                thread.botHandling = false
            default:
                break
            }
            threads[id] = thread
        }
        measures = found
    }

    private func scoped(_ scope: ReportScope) -> [Measure] {
        measures.filter { measure in
            (scope.inboxes?.contains(measure.inbox) ?? true) && (scope.from.map { measure.at >= $0 } ?? true)
                && (scope.to.map { measure.at < $0 } ?? true) && (scope.asOf.map { measure.recordedAt <= $0 } ?? true)
        }
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// Per user with a reply, an assignment or a close credited: `agentFields`.
    func agents(_ scope: ReportScope) -> [String: [Double?]] {
        var replies: [String: Int] = [:], assigned: [String: Int] = [:], closed: [String: Int] = [:]
        var firsts: [String: [Double]] = [:], responses: [String: [Double]] = [:]
        for measure in scoped(scope) {
            guard let user = measure.user else { continue }
            switch measure.kind {
            case .reply:
                replies[user, default: 0] += 1
                if let seconds = measure.seconds { responses[user, default: []].append(seconds) }
            case .firstResponse: firsts[user, default: []].append(measure.seconds!)
            case .assignment: assigned[user, default: 0] += 1
            case .close: closed[user, default: 0] += 1
            default: break
            }
        }
        var rows: [String: [Double?]] = [:]
        for user in Set(replies.keys).union(assigned.keys).union(closed.keys) {
            let first = firsts[user] ?? []
            rows[user] = [
                Double(replies[user] ?? 0), Double(assigned[user] ?? 0), Double(closed[user] ?? 0), Self.mean(first), Self.median(first),
                Self.mean(responses[user] ?? []),
            ]
        }
        return rows
    }

    /// Per group (`groupBy` day, inbox, channel, or team: the teams the credited user was in as of the scope's
    /// instant): `responseTimeFields`. A group's conversations are those with a cycle opened, a reply or a close in it.
    func responseTimes(_ scope: ReportScope, groupBy: String) -> [String: [Double?]] {
        var teamsOfUser: [String: [String]] = [:]
        for team in teams where scope.asOf.map({ team.recordedAt <= $0 }) ?? true {
            for member in team.members { teamsOfUser[member, default: []].append(team.id) }
        }
        struct Group { var conversations = Set<String>(), firsts: [Double] = [], responses: [Double] = [], closes: [Double] = [] }
        var groups: [String: Group] = [:]
        for measure in scoped(scope) where [.cycleOpened, .reply, .firstResponse, .close].contains(measure.kind) {
            let keys: [String]
            switch groupBy {
            case "day": keys = [String(Timestamps.format(measure.at).prefix(10))]
            case "inbox": keys = [measure.inbox]
            case "channel": keys = [measure.channelType]
            default: keys = measure.user.map { teamsOfUser[$0] ?? [] } ?? []
            }
            for key in keys {
                groups[key, default: Group()].conversations.insert(measure.conversation)
                guard let seconds = measure.seconds else { continue }
                switch measure.kind {
                case .firstResponse: groups[key]!.firsts.append(seconds)
                case .reply: groups[key]!.responses.append(seconds)
                case .close: groups[key]!.closes.append(seconds)
                default: break
                }
            }
        }
        return groups.mapValues { group in
            [Double(group.conversations.count), Self.mean(group.firsts), Self.median(group.firsts), Self.mean(group.responses), Self.mean(group.closes)]
        }
    }

    /// Per chat channel whose bot had a session, a handoff, a resolution or an email in scope: `botFields`.
    func bots(_ scope: ReportScope) -> [String: [Double?]] {
        var counts: [String: [Measure.Kind: Int]] = [:]
        for measure in scoped(scope) {
            switch measure.kind {
            case .botSession, .botMessage, .handoff, .botResolution, .emailCapture: counts[measure.channelId, default: [:]][measure.kind, default: 0] += 1
            default: break
            }
        }
        var rows: [String: [Double?]] = [:]
        for (channel, count) in counts {
            let sessions = count[.botSession] ?? 0
            guard sessions + (count[.handoff] ?? 0) + (count[.botResolution] ?? 0) + (count[.emailCapture] ?? 0) > 0 else { continue }
            rows[channel] = [
                Double(sessions), Double(count[.handoff] ?? 0), Double(count[.botResolution] ?? 0), Double(count[.emailCapture] ?? 0),
                sessions > 0 ? Double(count[.botMessage] ?? 0) / Double(sessions) : nil,
            ]
        }
        return rows
    }

    /// A report's items as the same rows: keyed by `key`, the numbers of `fields` (nil for JSON null). Read with
    /// JSONDecoder: JSONSerialization on Linux parses some doubles a unit in the last place off, and the numbers
    /// are compared exactly.
    static func rows(_ body: Data, key: String, fields: [String]) throws -> [String: [Double?]] {
        enum Field: Decodable {
            case number(Double), text(String), null
            init(from decoder: any Decoder) throws {
                let value = try decoder.singleValueContainer()
                if value.decodeNil() { self = .null } else if let number = try? value.decode(Double.self) { self = .number(number) } else {
                    self = .text(try value.decode(String.self))
                }
            }
        }
        struct Report: Decodable { var items: [[String: Field]] }
        let items = try JSONDecoder().decode(Report.self, from: body).items
        return Dictionary(uniqueKeysWithValues: items.map { item in
            guard case .text(let id)? = item[key] else { return ("?", []) }
            return (id, fields.map { field in
                guard case .number(let number)? = item[field] else { return nil }
                return number
            })
        })
    }

    /// Where two sets of rows differ, briefly, for a failure message.
    static func differences(_ live: [String: [Double?]], _ expected: [String: [Double?]]) -> String {
        let keys = Set(live.keys).union(expected.keys).sorted().filter { live[$0] != expected[$0] }
        return keys.prefix(5).map { "\($0): live \(String(describing: live[$0])) recomputed \(String(describing: expected[$0]))" }
            .joined(separator: "; ") + (keys.count > 5 ? " and \(keys.count - 5) more" : "")
    }
}
