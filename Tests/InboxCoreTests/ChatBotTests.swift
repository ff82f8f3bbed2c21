import Foundation
import InboxCore
import Testing

@Suite struct ChatBotTests {
    let at = Date(timeIntervalSince1970: 1_780_000_000)
    let config = ChatBotConfig(
        name: "Sam", greeting: "Hi, I'm Sam.", askForEmail: true,
        answers: [
            .init(keywords: ["shipping", "delivery"], answer: "We ship in two days."),
            .init(keywords: ["refund", "money back", "return"], answer: "Refunds take a week."),
        ],
        handoffKeywords: ["manager"])

    /// Runs the bot's turn on `state` (with the message counted) and folds its events in.
    func turn(_ text: String, _ state: inout Conversation.State, starts: Bool = false, emailKnown: Bool = false, config: ChatBotConfig? = nil) -> ChatBot.Outcome {
        if state.status == nil { state.status = .open }
        let outcome = ChatBot.respond(
            config: config ?? self.config, state: state, startsSession: starts,
            turn: .init(conversationId: "c1", channelId: "ch", text: text, visitorEmailKnown: emailKnown, at: at, messageIds: ["m1", "m2", "m3", "m4"]))
        state = outcome.events.reduce(state, Conversation.evolve)
        return outcome
    }

    func replies(_ outcome: ChatBot.Outcome) -> [ConversationEvent.BotReplied.Intent] {
        outcome.events.compactMap { if case .botReplied(let reply) = $0 { reply.intent } else { nil } }
    }

    @Test func itGreetsAnswersFromTheFAQAndKeepsTheSessionOpen() {
        var state = Conversation.State()
        let first = turn("Hello! How long does SHIPPING take?", &state, starts: true)
        #expect(first.events.first == .botSessionStarted(.init(conversationId: "c1", channelId: "ch", at: at)))
        #expect(replies(first) == [.greeting, .answer])
        guard case .botReplied(let answer) = first.events.last else { Issue.record("no answer"); return }
        #expect(answer.text == "We ship in two days.")
        #expect(answer.messageId == "m2")
        #expect(state.bot?.answers == 1)
        #expect(!first.handedOff)
        // The entry with more matching keywords wins; diacritics and case do not matter.
        let second = turn("Can I get my money back on a RÉTURN?", &state)
        guard case .botReplied(let refund)? = second.events.last else { Issue.record("no answer"); return }
        #expect(refund.text == "Refunds take a week.")
        // Whole words only: "shippingfoo" is not "shipping", so the bot has no answer.
        var other = Conversation.State()
        #expect(replies(turn("shippingfoo", &other, starts: true, emailKnown: true)) == [.greeting, .handoff])
    }

    @Test func askingForAPersonAsksForTheEmailFirstThenHandsOff() {
        var state = Conversation.State()
        _ = turn("hi", &state, starts: true)
        let ask = turn("I'd like to speak to a manager please", &state)
        #expect(replies(ask) == [.askEmail])
        #expect(state.bot?.pendingHandoff == .requested)
        #expect(!ask.handedOff)
        let handoff = turn("sure: <Carla@Example.com>.", &state)
        #expect(handoff.capturedEmail == "carla@example.com")
        #expect(replies(handoff) == [.emailThanks, .handoff])
        #expect(handoff.events.contains(.botHandedOff(.init(conversationId: "c1", reason: .requested, at: at))))
        #expect(handoff.handedOff)
        #expect(state.bot == nil)
        // The session is over: the bot says nothing more.
        #expect(turn("hello?", &state).events.isEmpty)
    }

    @Test func noAnswerHandsOffAndAVisitorWhoWillNotGiveAnEmailIsHandedOffAnyway() {
        var state = Conversation.State()
        let first = turn("My parcel arrived broken", &state, starts: true)
        #expect(replies(first) == [.greeting, .askEmail])
        #expect(state.bot?.pendingHandoff == .noAnswer)
        let second = turn("I'd rather not say", &state)
        #expect(second.handedOff)
        #expect(second.events.last == .botHandedOff(.init(conversationId: "c1", reason: .noAnswer, at: at)))
        // With the email known (or not asked for), the handoff is immediate.
        var known = Conversation.State()
        #expect(turn("a human please", &known, starts: true, emailKnown: true).handedOff)
        var notAsked = Conversation.State()
        let quiet = ChatBotConfig(name: "Sam", greeting: "Hi", askForEmail: false, answers: [], handoffKeywords: [])
        #expect(turn("something else", &notAsked, starts: true, config: quiet).handedOff)
    }

    @Test func thanksAfterAnAnswerResolvesAndClosesButNotBefore() {
        var state = Conversation.State()
        _ = turn("hello", &state, starts: true)
        // Thanks before any answer is no resolution: nothing was answered.
        let early = turn("thanks", &state)
        #expect(!early.events.contains(.botResolved(.init(conversationId: "c1", at: at))))
        var answered = Conversation.State()
        _ = turn("delivery?", &answered, starts: true)
        let done = turn("Perfect, thank you!", &answered)
        #expect(replies(done) == [.resolved])
        #expect(done.events.suffix(2).map(\.tag) == [.botResolved, .closed])
        #expect(answered.status == .closed)
        #expect(answered.bot == nil)
    }

    @Test func aVisitorToken() {
        let token = ChatVisitorToken(visitorId: String(repeating: "a", count: 32), secret: String(repeating: "b", count: 64))
        #expect(ChatVisitorToken(token.text) == token)
        #expect(ChatVisitorToken("short.\(String(repeating: "b", count: 64))") == nil)
        #expect(ChatVisitorToken(String(repeating: "a", count: 32) + "." + String(repeating: "z", count: 64)) == nil)
        #expect(ChatVisitorToken(String(repeating: "a", count: 32)) == nil)
        let registered = ChatEvent.VisitorRegistered(channelId: "ch", visitorId: token.visitorId, secretHash: token.secretHash, at: at)
        #expect(token.matches(registered))
        #expect(!ChatVisitorToken(visitorId: token.visitorId, secret: String(repeating: "c", count: 64)).matches(registered))
    }
}
