import Foundation

/// A chat channel's bot as a decider: given its configuration, the conversation (with the visitor's new message
/// already folded in) and that message, the events of its answer. It greets, answers from the FAQ, captures the
/// visitor's email, and hands off to the team when asked or out of answers; a visitor who thanks it after an
/// answer closes the conversation as resolved by the bot. Pure: ids and times are inputs.
public enum ChatBot {
    /// What happened on the bot's turn, beyond its events: what the caller has to do in the same append.
    public struct Outcome: Sendable, Equatable {
        public var events: [ConversationEvent] = []
        /// Routing assigns the conversation now.
        public var handedOff = false
        /// The visitor's email to link a contact by.
        public var capturedEmail: String?

        public init() {}
    }

    public struct Turn: Sendable {
        public var conversationId: String
        public var channelId: String
        public var text: String
        /// A contact or the visitor already gave an email.
        public var visitorEmailKnown: Bool
        public var at: Date
        /// Ids for the bot's messages, in order.
        public var messageIds: [String]

        public init(conversationId: String, channelId: String, text: String, visitorEmailKnown: Bool, at: Date, messageIds: [String]) {
            self.conversationId = conversationId
            self.channelId = channelId
            self.text = text
            self.visitorEmailKnown = visitorEmailKnown
            self.at = at
            self.messageIds = messageIds
        }
    }

    static let builtInHandoffKeywords = [
        "human", "agent", "person", "representative", "operator", "talk to", "speak to", "speak with", "talk with",
    ]
    static let thanksKeywords = ["thanks", "thank you", "thx", "that helped", "that helps", "solved", "perfect", "merci", "gracias"]
    static let salutations: Set<String> = ["hi", "hello", "hey", "hi there", "hello there", "good morning", "good afternoon", "bonjour", "hola"]

    static let askEmailText = "Before I pass you to the team: what is your email address, so they can follow up?"
    static let emailThanksText = "Thank you!"
    static let handoffText = "I am connecting you with the team; someone will answer here shortly."
    static let resolvedText = "Glad I could help. Write again any time!"
    static let promptText = "What can I help you with?"

    /// The bot's answer to the visitor's message. `startsSession`: the message opened the conversation or a new
    /// cycle of it; otherwise the bot answers only while its session lasts.
    public static func respond(config: ChatBotConfig, state: Conversation.State, startsSession: Bool, turn: Turn) -> Outcome {
        var outcome = Outcome()
        var ids = turn.messageIds.makeIterator()
        func reply(_ text: String, _ intent: ConversationEvent.BotReplied.Intent, pending: BotHandoffReason? = nil) {
            outcome.events.append(.botReplied(.init(
                conversationId: turn.conversationId, messageId: ids.next() ?? "\(turn.conversationId)-bot-\(outcome.events.count)",
                channelId: turn.channelId, text: text, intent: intent, pendingHandoff: pending, at: turn.at)))
        }
        let session: Conversation.BotState
        if startsSession {
            outcome.events.append(.botSessionStarted(.init(conversationId: turn.conversationId, channelId: turn.channelId, at: turn.at)))
            reply(config.greeting, .greeting)
            session = Conversation.BotState()
        } else if let ongoing = state.bot {
            session = ongoing
        } else {
            return outcome
        }

        func handOff(_ reason: BotHandoffReason, emailKnown: Bool) {
            if config.askForEmail, !emailKnown, session.pendingHandoff == nil {
                reply(askEmailText, .askEmail, pending: reason)
                return
            }
            reply(handoffText, .handoff)
            outcome.events.append(.botHandedOff(.init(conversationId: turn.conversationId, reason: reason, at: turn.at)))
            outcome.handedOff = true
        }

        var emailKnown = turn.visitorEmailKnown || session.emailCaptured
        if !session.emailCaptured, let email = firstEmail(in: turn.text) {
            outcome.events.append(.botEmailCaptured(.init(conversationId: turn.conversationId, email: email, at: turn.at)))
            outcome.capturedEmail = email
            emailKnown = true
            reply(emailThanksText, .emailThanks)
        }
        // The visitor answered the email question, whatever they said: the handoff it held goes ahead.
        if let pending = session.pendingHandoff {
            handOff(pending, emailKnown: true)
            return outcome
        }
        let words = normalized(turn.text)
        if contains(words, anyOf: builtInHandoffKeywords + config.handoffKeywords) {
            handOff(.requested, emailKnown: emailKnown)
        } else if session.answers > 0, contains(words, anyOf: thanksKeywords) {
            reply(resolvedText, .resolved)
            outcome.events.append(.botResolved(.init(conversationId: turn.conversationId, at: turn.at)))
            outcome.events.append(.closed(.init(conversationId: turn.conversationId)))
        } else if let answer = bestAnswer(config.answers, words) {
            reply(answer.answer, .answer)
        } else if salutations.contains(words.trimmingCharacters(in: .whitespaces)) || outcome.capturedEmail != nil {
            if !startsSession { reply(promptText, .greeting) }
        } else {
            handOff(.noAnswer, emailKnown: emailKnown)
        }
        return outcome
    }

    /// The FAQ entry with the most keywords in `words` (the first on a tie), if any matches.
    static func bestAnswer(_ answers: [ChatBotConfig.Answer], _ words: String) -> ChatBotConfig.Answer? {
        var best: (answer: ChatBotConfig.Answer, score: Int)?
        for answer in answers {
            let score = answer.keywords.filter { contains(words, anyOf: [$0]) }.count
            if score > 0, score > (best?.score ?? 0) { best = (answer, score) }
        }
        return best?.answer
    }

    /// Lowercased, without diacritics, punctuation turned to single spaces, padded with a space each side so
    /// keywords match whole words only.
    static func normalized(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        let scalars = folded.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "'" ? Character($0) : " " }
        return " " + String(scalars).split(separator: " ").joined(separator: " ") + " "
    }

    static func contains(_ words: String, anyOf keywords: [String]) -> Bool {
        keywords.contains { keyword in
            let phrase = normalized(keyword)
            return phrase.count > 2 && words.contains(phrase)
        }
    }

    /// The first word of `text` that is an email address.
    static func firstEmail(in text: String) -> String? {
        let trim = CharacterSet(charactersIn: "<>()[],;:.!?\"'")
        for word in text.split(whereSeparator: \.isWhitespace) {
            let candidate = EmailAddress.normalize(word.trimmingCharacters(in: trim))
            if candidate.contains("@"), EmailAddress.isValid(candidate) { return candidate }
        }
        return nil
    }
}
