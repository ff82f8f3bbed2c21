import InboxCore

/// What became of one Send API request, decided from the HTTP status and body.
public enum MessengerSendOutcome: Sendable, Hashable {
    /// Meta accepted the message; its id (`message_id`).
    case sent(messageId: String)
    /// Try again later with backoff: server errors, throttling and Meta's temporary failures.
    case retryable(reason: String)
    /// Retrying the same request cannot succeed: outside the messaging window, bad token, blocked, invalid.
    case permanent(reason: String)

    /// Error codes Meta documents as temporary or as rate limits: 1 unknown (retry), 2 service unavailable,
    /// 4 application rate limit, 17 user rate limit, 32 page rate limit, 341 application limit, 613 calls
    /// exceeded the rate limit, 1200 temporary send message failure, -1 unknown (transient).
    static let retryableCodes: Set<Int> = [-1, 1, 2, 4, 17, 32, 341, 613, 1200]

    /// Error codes that mean the request itself is refused whatever the status: 10 and 200-299 permissions
    /// (10/2018278 is the closed messaging window), 100 invalid parameter, 190 invalid token, 368 blocked for
    /// policy, 551 person unavailable.
    static let permanentCodes: Set<Int> = Set([10, 100, 190, 368, 551]).union(200...299)

    /// Classifies a response to a Send API request.
    public static func classify(status: Int, body: [UInt8]) -> MessengerSendOutcome {
        let document = JSONValue.parse(body)
        if (200..<300).contains(status) {
            if let messageId = document?["message_id"]?.identifier { return .sent(messageId: messageId) }
            // The message may well have gone out: sending it again could duplicate it, so do not retry.
            return .permanent(reason: "the Send API answered \(status) without a message_id")
        }
        if let error = MessengerGraphError(document: document) {
            if retryableCodes.contains(error.code) || error.isTransient == true {
                return .retryable(reason: error.summary)
            }
            // An unfamiliar code on a server error or throttling status is more likely Meta's trouble than ours.
            let serverSide = status == 429 || (500..<600).contains(status)
            if serverSide && !permanentCodes.contains(error.code) { return .retryable(reason: error.summary) }
            return .permanent(reason: error.summary)
        }
        if status == 429 || (500..<600).contains(status) {
            return .retryable(reason: "the Send API answered HTTP \(status)")
        }
        return .permanent(reason: "the Send API answered HTTP \(status)")
    }
}

/// The `error` object of a failed Graph API call.
public struct MessengerGraphError: Sendable, Hashable {
    /// Meta's text, for example "(#10) This message is sent outside of allowed window.".
    public var message: String
    /// For example `OAuthException`.
    public var type: String?
    /// The error code, for example 10, 100, 190, 551, 613.
    public var code: Int
    /// The finer code, for example 2018278 (outside the messaging window).
    public var subcode: Int?
    /// Meta's trace id, for support requests.
    public var fbtraceId: String?
    /// Meta's own hint (`is_transient`), when given.
    public var isTransient: Bool?

    /// The error in a Send API response body, or nil when the body holds none.
    public init?(body: [UInt8]) {
        self.init(document: JSONValue.parse(body))
    }

    init?(document: JSONValue?) {
        guard let error = document?["error"], error.object != nil, let code = error["code"]?.integer else {
            return nil
        }
        self.message = error["message"]?.string ?? ""
        self.type = error["type"]?.string
        self.code = Int(code)
        self.subcode = error["error_subcode"]?.integer.map { Int($0) }
        self.fbtraceId = error["fbtrace_id"]?.string
        self.isTransient = error["is_transient"]?.bool
    }

    /// True for code 10 / subcode 2018278: the reply came after the 24-hour window closed.
    public var isOutsideMessagingWindow: Bool { code == 10 && subcode == 2018278 }

    /// A sentence for the agent and the log: what it means when known, then Meta's code and text.
    public var summary: String {
        let meaning: String?
        switch (code, subcode) {
        case (10, 2018278): meaning = "outside the 24-hour messaging window"
        case (10, _), (200...299, _): meaning = "the page lacks the permission to send this message"
        case (100, _): meaning = "Meta refused a parameter of the message"
        case (190, _): meaning = "the page access token is invalid or expired"
        case (551, _): meaning = "this person isn't available on Messenger right now"
        case (4, _), (17, _), (32, _), (341, _), (613, _): meaning = "Messenger rate limit reached"
        case (1200, _), (1, _), (2, _), (-1, _): meaning = "temporary Messenger failure"
        default: meaning = nil
        }
        let codes = subcode.map { "\(code)/\($0)" } ?? "\(code)"
        let detail = message.isEmpty ? "Meta error \(codes)" : "Meta error \(codes): \(message)"
        return meaning.map { "\($0) (\(detail))" } ?? detail
    }
}
