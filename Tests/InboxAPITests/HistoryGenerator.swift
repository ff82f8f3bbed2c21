import Foundation
import InboxCore
import Synchronization
import TestSupport

/// The service's clock in a generated history: it stands where the history puts it, and only goes forward, as
/// the log's times do.
final class SimulatedClock: Sendable {
    private let instant: Mutex<Date>

    init(_ start: Date) {
        instant = Mutex(start)
    }

    var now: Date { instant.withLock { $0 } }

    func move(to date: Date) {
        instant.withLock { $0 = max($0, date) }
    }
}

/// A channel of the organisation a history happens in, as the generator needs it.
struct HistoryChannel: Sendable {
    var id: String
    var type: String
    var inboxId: String
    var bot: ChatBotConfig?
}

/// One thing that happens to a conversation. Inbound texts are what the visitor writes; a chat bot answers them
/// as it would live.
enum HistoryStep: Sendable {
    /// `sentAtShift`: the channel's send time relative to receipt (negative: earlier; positive: a sender's clock
    /// in the future, which the reports must ignore).
    case inbound(text: String, sentAtShift: Int?)
    /// An email the inbox's filters catch (its sender's domain is blocked): kept, never a cycle.
    case filteredInbound(text: String)
    /// To a user, or nobody (nil).
    case assign(to: String?, by: String)
    case reply(by: String)
    case comment(by: String)
    case close(by: String)
    case reopen(by: String)
}

/// A step at its time, in seconds since the history began (before the gaps the API's own work is given).
struct ScheduledStep: Sendable {
    var second: Int
    var conversation: Int
    var index: Int
    var channel: HistoryChannel
    var step: HistoryStep
}

/// Plans a seeded history: conversations on every channel over `days` days, handled by the members of each
/// channel's inbox (assignments, replies at varied delays, comments, follow-ups, closes, reopenings), with the
/// chat visitors asking the bot, thanking it, or asking for a person.
struct HistoryGenerator {
    var random: SplitMix64
    let channels: [HistoryChannel]
    /// Who may work in each inbox (members directly or through a team).
    let members: [String: [String]]

    static let day = 86_400

    mutating func schedule(conversations: Int, days: Int) -> [ScheduledStep] {
        var steps: [ScheduledStep] = []
        for conversation in 0..<conversations {
            let channel = pickChannel()
            let start = Int.random(in: 0..<days, using: &random) * Self.day + Int.random(in: 7 * 3_600..<20 * 3_600, using: &random)
            for (index, (second, step)) in script(for: channel).enumerated() {
                steps.append(ScheduledStep(second: start + second, conversation: conversation, index: index, channel: channel, step: step))
            }
        }
        return steps.sorted { ($0.second, $0.conversation, $0.index) < ($1.second, $1.conversation, $1.index) }
    }

    private mutating func pickChannel() -> HistoryChannel {
        let type = weighted([("email", 30), ("chat", 30), ("messenger", 15), ("form", 10), ("custom", 15)])
        let candidates = channels.filter { $0.type == type }
        return candidates[Int.random(in: 0..<candidates.count, using: &random)]
    }

    private mutating func weighted<T>(_ choices: [(T, Int)]) -> T {
        var roll = Int.random(in: 0..<choices.map(\.1).reduce(0, +), using: &random)
        for (choice, weight) in choices {
            if roll < weight { return choice }
            roll -= weight
        }
        return choices[choices.count - 1].0
    }

    private mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    private mutating func between(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    /// How long until someone answers: mostly minutes, sometimes hours, now and then days.
    private mutating func responseDelay() -> Int {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<70: between(45...3_600)
        case 70..<95: between(3_600...8 * 3_600)
        default: between(Self.day...3 * Self.day)
        }
    }

    /// When the channel says a message was sent, relative to its receipt: an email's Date header (now and then from
    /// a sender's clock that runs ahead), Messenger's timestamp, sometimes an integration's `sentAt`.
    private mutating func sentAtShift(_ channel: HistoryChannel) -> Int? {
        switch channel.type {
        case "email": chance(4) ? between(60...7_200) : -between(0...600)
        case "messenger": -between(0...5)
        case "custom": chance(50) ? -between(0...120) : nil
        default: nil
        }
    }

    /// One conversation's steps, in seconds from its first message.
    private mutating func script(for channel: HistoryChannel) -> [(Int, HistoryStep)] {
        var steps: [(Int, HistoryStep)] = []
        var second = 0
        func after(_ delay: Int, _ step: HistoryStep) {
            second += delay
            steps.append((second, step))
        }
        if channel.bot != nil {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<35:
                // The bot answers and the visitor is satisfied: resolved and closed by the bot.
                after(0, .inbound(text: "What is your delivery time?", sentAtShift: nil))
                after(between(20...300), .inbound(text: "Great, thanks!", sentAtShift: nil))
                guard chance(20) else { return steps }
                after(between(Self.day...4 * Self.day), .inbound(text: "Hello again, my parcel is still missing", sentAtShift: nil))
                after(between(10...120), .inbound(text: "no email, sorry", sentAtShift: nil))
            case 35..<70:
                after(0, .inbound(text: "Can I talk to a human please?", sentAtShift: nil))
                after(between(10...200), .inbound(text: "sure, it's visitor\(between(1...900))@example.com", sentAtShift: nil))
            default:
                after(0, .inbound(text: "My parcel arrived damaged", sentAtShift: nil))
                after(between(10...200), .inbound(text: "I'd rather not say", sentAtShift: nil))
            }
        } else if channel.type == "email", chance(5) {
            after(0, .filteredInbound(text: "Limited offer, today only"))
            guard chance(50) else { return steps }
            // Someone finds it was no spam: reopened and answered; the sender's next message opens a cycle.
            let team = members[channel.inboxId] ?? []
            let rescuer = team[Int.random(in: 0..<team.count, using: &random)]
            after(between(3_600...Self.day), .reopen(by: rescuer))
            after(between(60...3_600), .reply(by: rescuer))
        } else {
            after(0, .inbound(text: "Where is my order?", sentAtShift: sentAtShift(channel)))
        }
        handling(channel, after: &second, into: &steps)
        return steps
    }

    /// What the team does with a conversation: assignments, replies with follow-ups, comments, a close, and
    /// sometimes a reopening that is answered again.
    private mutating func handling(_ channel: HistoryChannel, after second: inout Int, into steps: inout [(Int, HistoryStep)]) {
        let team = members[channel.inboxId] ?? []
        guard !team.isEmpty else { return }
        func after(_ delay: Int, _ step: HistoryStep) {
            second += delay
            steps.append((second, step))
        }
        func anyone() -> String { team[Int.random(in: 0..<team.count, using: &random)] }
        if chance(8) {
            // Never answered.
            if chance(50) { after(between(600...Self.day), .inbound(text: "Hello? Anyone there?", sentAtShift: sentAtShift(channel))) }
            return
        }
        var assignee: String?
        if chance(75) {
            let chosen = anyone()
            after(between(30...7_200), .assign(to: chosen, by: chance(50) ? chosen : anyone()))
            assignee = chosen
        }
        if chance(20) { after(between(60...1_800), .inbound(text: "Also, the invoice is wrong", sentAtShift: sentAtShift(channel))) }
        let rounds = between(1...3)
        for round in 1...rounds {
            after(responseDelay(), .reply(by: chance(85) ? assignee ?? anyone() : anyone()))
            if chance(30) { after(between(60...600), .comment(by: anyone())) }
            if round < rounds { after(between(300...Self.day), .inbound(text: "Thanks, one more thing", sentAtShift: sentAtShift(channel))) }
        }
        if chance(10) {
            let other = anyone()
            after(between(60...3_600), .assign(to: other, by: anyone()))
            assignee = other
        } else if assignee != nil, chance(4) {
            after(between(60...3_600), .assign(to: nil, by: anyone()))
            assignee = nil
        }
        guard chance(85) else { return }
        after(between(600...2 * Self.day), .close(by: assignee ?? anyone()))
        if chance(25) {
            // The contact writes again: a new cycle, answered again.
            after(between(3_600...4 * Self.day), .inbound(text: "It happened again", sentAtShift: sentAtShift(channel)))
            after(responseDelay(), .reply(by: assignee ?? anyone()))
            if chance(60) { after(between(600...Self.day), .close(by: assignee ?? anyone())) }
        } else if chance(6) {
            // Someone reopens it to follow up; no new cycle until the contact writes.
            after(between(3_600...2 * Self.day), .reopen(by: anyone()))
            after(between(60...3_600), .reply(by: anyone()))
            if chance(50) { after(between(300...Self.day), .inbound(text: "Thanks for following up", sentAtShift: sentAtShift(channel))) }
            if chance(50) { after(between(600...Self.day), .reply(by: anyone())) }
            after(between(600...Self.day), .close(by: anyone()))
        }
    }
}
