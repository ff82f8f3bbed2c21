import Foundation

/// Events of the `idempotency-<key>` streams: the first answer to a write sent with an `Idempotency-Key`,
/// kept so that a retry with the same key and body gets that answer again and appends nothing.
public enum IdempotencyEvent: EventFamily {
    case recorded(Recorded)

    public struct Recorded: Codable, Sendable, Equatable {
        /// The client's key, as sent.
        public var key: String
        public var userId: String
        public var method: String
        public var path: String
        /// SHA-256 (hex) of the request body.
        public var requestHash: String
        public var status: Int
        /// The response body, as sent.
        public var body: String
        /// The `Log-Position` the first answer carried.
        public var logPosition: UInt64
        public var recordedAt: Date

        public init(
            key: String, userId: String, method: String, path: String, requestHash: String, status: Int, body: String,
            logPosition: UInt64, recordedAt: Date
        ) {
            self.key = key
            self.userId = userId
            self.method = method
            self.path = path
            self.requestHash = requestHash
            self.status = status
            self.body = body
            self.logPosition = logPosition
            self.recordedAt = recordedAt
        }
    }

    /// Stored forever: never rename a tag; add `.v2` and keep decoding `.v1`.
    public enum Tag: String, Sendable, CaseIterable {
        case recorded = "idempotency.recorded.v1"
    }

    public var tag: Tag { .recorded }

    public var payload: Data {
        switch self {
        case .recorded(let data): PayloadCoding.encode(data)
        }
    }

    public init?(type: String, payload: Data) throws {
        guard let tag = Tag(rawValue: type) else { return nil }
        switch tag {
        case .recorded: self = .recorded(try PayloadCoding.decode(Recorded.self, from: payload))
        }
    }

    /// The stream of one caller's key for one route.
    public static func stream(userId: String, method: String, path: String, key: String) -> StreamID {
        KeyedStreams.stream(category: "idempotency", key: "\(userId) \(method) \(path) \(key)")
    }
}
