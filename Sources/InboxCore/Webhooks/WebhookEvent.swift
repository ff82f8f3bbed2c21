import Foundation

/// Events of the `webhook-<id>` streams: a registration, then every delivery attempt (the delivery worker's
/// memory: where it stands, since when it fails), and perhaps the day it gave up.
public enum WebhookEvent: EventFamily {
    case registered(Registered)
    case attempted(Attempted)
    case disabled(Disabled)

    public struct Registered: Codable, Sendable, Equatable {
        public var webhookId: String
        public var url: String
        /// Event types delivered; `*` delivers every type.
        public var eventTypes: [String]
        /// The HMAC key of `X-Switchboard-Signature`. Kept because signing needs it; never answered by the API.
        public var secret: String
        public var registeredAt: Date
    }

    public struct Attempted: Codable, Sendable, Equatable {
        public var webhookId: String
        public var position: UInt64
        public var eventId: UUID
        public var eventType: String
        /// 1 for the first try of this event.
        public var attempt: Int
        public var succeeded: Bool
        /// The receiver's HTTP status, when it answered.
        public var status: Int?
        public var error: String?
        public var at: Date

        public init(
            webhookId: String, position: UInt64, eventId: UUID, eventType: String, attempt: Int, succeeded: Bool,
            status: Int?, error: String?, at: Date
        ) {
            self.webhookId = webhookId
            self.position = position
            self.eventId = eventId
            self.eventType = eventType
            self.attempt = attempt
            self.succeeded = succeeded
            self.status = status
            self.error = error
            self.at = at
        }
    }

    public struct Disabled: Codable, Sendable, Equatable {
        public var webhookId: String
        public var reason: String
        public var at: Date

        public init(webhookId: String, reason: String, at: Date) {
            self.webhookId = webhookId
            self.reason = reason
            self.at = at
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case registered = "webhook.registered.v1"
        case attempted = "webhook.delivery_attempted.v1"
        case disabled = "webhook.disabled.v1"
    }

    public var tag: Tag {
        switch self {
        case .registered: .registered
        case .attempted: .attempted
        case .disabled: .disabled
        }
    }

    public var payload: Data {
        switch self {
        case .registered(let data): PayloadCoding.encode(data)
        case .attempted(let data): PayloadCoding.encode(data)
        case .disabled(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .registered: self = .registered(try PayloadCoding.decode(Registered.self, from: payload))
        case .attempted: self = .attempted(try PayloadCoding.decode(Attempted.self, from: payload))
        case .disabled: self = .disabled(try PayloadCoding.decode(Disabled.self, from: payload))
        }
    }

    public static func stream(_ webhookId: String) -> StreamID { StreamID(category: "webhook", id: webhookId) }
}

/// Registering webhooks and the delivery rules, decided purely.
public enum Webhooks {
    public static func register(
        webhookId: String, url: String, eventTypes: [String], secret: String, at: Date, by actor: ActorRef
    ) throws(Directory.Invalid) -> AppendBatch {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil,
            url.utf8.count <= 2_000
        else { throw Directory.Invalid("url", "must be an http or https URL") }
        let eventTypes = Directory.unique(eventTypes.map { $0.trimmingCharacters(in: .whitespaces) })
        guard !eventTypes.isEmpty, eventTypes.allSatisfy({ !$0.isEmpty && $0.utf8.count <= ProposedEvent.maxTypeLength }) else {
            throw Directory.Invalid("eventTypes", "must list event types, or \"*\" for all")
        }
        guard secret.utf8.count >= 16, secret.utf8.count <= 256 else {
            throw Directory.Invalid("secret", "must be 16 to 256 bytes")
        }
        let stream = WebhookEvent.stream(webhookId)
        return AppendBatch(
            [WebhookEvent.registered(.init(webhookId: webhookId, url: url, eventTypes: eventTypes, secret: secret, registeredAt: at))
                .proposed(to: stream, by: actor)],
            expectations: [stream: .noStream])
    }

    /// Whether an event of `type` goes to a webhook listening to `eventTypes`. Webhook bookkeeping never does:
    /// delivering it would record more of it.
    public static func delivers(_ type: String, to eventTypes: [String]) -> Bool {
        guard !type.hasPrefix("webhook.") else { return false }
        return eventTypes.contains("*") || eventTypes.contains(type)
    }

    /// The wait before try `attempt + 1`: doubling from `base`, at most `maximum`.
    public static func backoff(afterAttempt attempt: Int, base: Duration, maximum: Duration) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 30)
        let delay = base * factor
        return delay < maximum ? delay : maximum
    }

    /// Where a webhook's deliveries stand, folded from its stream.
    public struct Progress: Sendable, Equatable {
        public var registration: WebhookEvent.Registered?
        /// The log position the registration landed at: deliveries start after it.
        public var registeredAt: UInt64 = 0
        /// The last position delivered successfully.
        public var delivered: UInt64 = 0
        /// When the current run of failures began (nil while deliveries succeed).
        public var failingSince: Date?
        public var disabled: WebhookEvent.Disabled?
        /// Attempts recorded so far: the stream's version.
        public var version: UInt64 = 0

        public init() {}

        /// Where delivery resumes.
        public var checkpoint: UInt64 { max(delivered, registeredAt) }

        public mutating func apply(_ event: WebhookEvent, position: UInt64) {
            version += 1
            switch event {
            case .registered(let registered):
                registration = registered
                registeredAt = position
            case .attempted(let attempt) where attempt.succeeded:
                delivered = max(delivered, attempt.position)
                failingSince = nil
            case .attempted(let attempt):
                failingSince = failingSince ?? attempt.at
            case .disabled(let disabled):
                self.disabled = disabled
            }
        }
    }
}
