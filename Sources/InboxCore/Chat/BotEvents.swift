import Foundation

/// A chat channel's bot, as an admin configures it: a greeting, the team's FAQ, and when to call a human.
public struct ChatBotConfig: Codable, Sendable, Equatable {
    /// One FAQ entry: any of the keywords (words or phrases) in a visitor's message gets the answer.
    public struct Answer: Codable, Sendable, Equatable {
        public var keywords: [String]
        public var answer: String

        public init(keywords: [String], answer: String) {
            self.keywords = keywords
            self.answer = answer
        }
    }

    /// How the bot signs its messages.
    public var name: String
    public var greeting: String
    /// Ask for the visitor's email before handing off when it is not known yet.
    public var askForEmail: Bool
    public var answers: [Answer]
    /// Words that ask for a person, besides the built-in ones ("human", "agent", ...).
    public var handoffKeywords: [String]

    public init(name: String, greeting: String, askForEmail: Bool, answers: [Answer], handoffKeywords: [String]) {
        self.name = name
        self.greeting = greeting
        self.askForEmail = askForEmail
        self.answers = answers
        self.handoffKeywords = handoffKeywords
    }
}

/// Why a bot passed a conversation to the team.
public enum BotHandoffReason: String, Codable, Sendable, Equatable, CaseIterable {
    /// The visitor asked for a person.
    case requested
    /// The bot had no answer.
    case noAnswer = "no_answer"
}

extension ConversationEvent {
    /// A chat channel's bot took the conversation (a new conversation or a new cycle of a closed one).
    public struct BotSessionStarted: Codable, Sendable, Equatable {
        public var conversationId: String
        public var channelId: String
        public var at: Date

        public init(conversationId: String, channelId: String, at: Date) {
            self.conversationId = conversationId
            self.channelId = channelId
            self.at = at
        }
    }

    /// The bot wrote to the visitor.
    public struct BotReplied: Codable, Sendable, Equatable {
        public enum Intent: String, Codable, Sendable, Equatable, CaseIterable {
            case greeting, answer, askEmail = "ask_email", emailThanks = "email_thanks", handoff, resolved
        }

        public var conversationId: String
        public var messageId: String
        public var channelId: String
        public var text: String
        public var intent: Intent
        /// With `askEmail` before a handoff: the handoff that waits for the visitor's answer.
        public var pendingHandoff: BotHandoffReason?
        public var at: Date

        public init(
            conversationId: String, messageId: String, channelId: String, text: String, intent: Intent,
            pendingHandoff: BotHandoffReason? = nil, at: Date
        ) {
            self.conversationId = conversationId
            self.messageId = messageId
            self.channelId = channelId
            self.text = text
            self.intent = intent
            self.pendingHandoff = pendingHandoff
            self.at = at
        }
    }

    /// The visitor gave the bot their email.
    public struct BotEmailCaptured: Codable, Sendable, Equatable {
        public var conversationId: String
        public var email: String
        public var at: Date

        public init(conversationId: String, email: String, at: Date) {
            self.conversationId = conversationId
            self.email = email
            self.at = at
        }
    }

    /// The bot passed the conversation to the team: routing assigns it now, and response times start here.
    public struct BotHandedOff: Codable, Sendable, Equatable {
        public var conversationId: String
        public var reason: BotHandoffReason
        public var at: Date

        public init(conversationId: String, reason: BotHandoffReason, at: Date) {
            self.conversationId = conversationId
            self.reason = reason
            self.at = at
        }
    }

    /// The visitor's question was settled by the bot alone; the conversation closes with it.
    public struct BotResolved: Codable, Sendable, Equatable {
        public var conversationId: String
        public var at: Date

        public init(conversationId: String, at: Date) {
            self.conversationId = conversationId
            self.at = at
        }
    }
}
