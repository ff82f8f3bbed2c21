import Foundation

/// Events of the `delivery-<messageId>` streams: what became of a reply on its way out through its channel.
/// A stream of its own keeps delivery attempts from moving the conversation's version (its If-Match).
public enum DeliveryEvent: EventFamily {
    case sent(Sent)
    case retryScheduled(RetryScheduled)
    case failed(Failed)

    /// The channel's server took the message.
    public struct Sent: Codable, Sendable, Equatable {
        public var conversationId: String
        public var messageId: String
        /// 1 for the first try.
        public var attempt: Int
        /// What the server answered (`250 2.0.0 queued as ...`).
        public var response: String
        public var at: Date

        public init(conversationId: String, messageId: String, attempt: Int, response: String, at: Date) {
            self.conversationId = conversationId
            self.messageId = messageId
            self.attempt = attempt
            self.response = response
            self.at = at
        }
    }

    /// A try failed for a reason that may pass; the next one is due at `retryAt`.
    public struct RetryScheduled: Codable, Sendable, Equatable {
        public var conversationId: String
        public var messageId: String
        public var attempt: Int
        public var reason: String
        public var retryAt: Date
        public var at: Date

        public init(conversationId: String, messageId: String, attempt: Int, reason: String, retryAt: Date, at: Date) {
            self.conversationId = conversationId
            self.messageId = messageId
            self.attempt = attempt
            self.reason = reason
            self.retryAt = retryAt
            self.at = at
        }
    }

    /// Given up: a permanent refusal, or the last retry failed.
    public struct Failed: Codable, Sendable, Equatable {
        public var conversationId: String
        public var messageId: String
        public var attempt: Int
        public var reason: String
        public var at: Date

        public init(conversationId: String, messageId: String, attempt: Int, reason: String, at: Date) {
            self.conversationId = conversationId
            self.messageId = messageId
            self.attempt = attempt
            self.reason = reason
            self.at = at
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case sent = "delivery.sent.v1"
        case retryScheduled = "delivery.retry_scheduled.v1"
        case failed = "delivery.failed.v1"
    }

    public var tag: Tag {
        switch self {
        case .sent: .sent
        case .retryScheduled: .retryScheduled
        case .failed: .failed
        }
    }

    public var payload: Data {
        switch self {
        case .sent(let data): PayloadCoding.encode(data)
        case .retryScheduled(let data): PayloadCoding.encode(data)
        case .failed(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .sent: self = .sent(try PayloadCoding.decode(Sent.self, from: payload))
        case .retryScheduled: self = .retryScheduled(try PayloadCoding.decode(RetryScheduled.self, from: payload))
        case .failed: self = .failed(try PayloadCoding.decode(Failed.self, from: payload))
        }
    }

    public var conversationId: String {
        switch self {
        case .sent(let e): e.conversationId
        case .retryScheduled(let e): e.conversationId
        case .failed(let e): e.conversationId
        }
    }

    public var messageId: String {
        switch self {
        case .sent(let e): e.messageId
        case .retryScheduled(let e): e.messageId
        case .failed(let e): e.messageId
        }
    }

    /// The stream of the delivery of reply `messageId`.
    public static func stream(messageId: String) -> StreamID { StreamID(category: "delivery", id: messageId) }
}

/// When a failed delivery is tried again: after each delay in turn, then never. Pure, so the worker and its
/// tests agree on the schedule.
public struct DeliveryPolicy: Sendable, Equatable {
    public var retryDelays: [Duration]

    /// 1, 5, 15 and 30 minutes, then hourly for six hours: a relay down for a few hours loses nothing.
    public static let standard = DeliveryPolicy(retryDelays: [
        .seconds(60), .seconds(300), .seconds(900), .seconds(1_800),
        .seconds(3_600), .seconds(3_600), .seconds(3_600), .seconds(3_600), .seconds(3_600), .seconds(3_600),
    ])

    public init(retryDelays: [Duration]) {
        self.retryDelays = retryDelays
    }

    /// What follows a failed try number `attempt` (1-based) at `now`.
    public func afterFailure(
        attempt: Int, permanent: Bool, reason: String, conversationId: String, messageId: String, now: Date
    ) -> DeliveryEvent {
        guard !permanent, attempt >= 1, attempt <= retryDelays.count else {
            return .failed(.init(conversationId: conversationId, messageId: messageId, attempt: attempt, reason: reason, at: now))
        }
        return .retryScheduled(.init(
            conversationId: conversationId, messageId: messageId, attempt: attempt, reason: reason,
            retryAt: now.addingTimeInterval(retryDelays[attempt - 1].timeInterval), at: now))
    }
}
