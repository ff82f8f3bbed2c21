/// The result of handing one message to a relay.
public struct SMTPDeliveryReceipt: Sendable, Hashable {
    /// Recipients the relay accepted (the message was sent to these).
    public var acceptedRecipients: [String]
    /// Recipients the relay refused, with its reply (for example "550 5.1.1 no such user").
    public var rejectedRecipients: [String: String]
    /// The relay's reply to the end of the message, for example "250 2.0.0 Ok: queued as 4F2C1".
    public var finalReply: String

    /// Creates a receipt.
    public init(acceptedRecipients: [String], rejectedRecipients: [String: String], finalReply: String) {
        self.acceptedRecipients = acceptedRecipients
        self.rejectedRecipients = rejectedRecipients
        self.finalReply = finalReply
    }
}

/// Why a message could not be handed to a relay.
///
/// ``isPermanent`` is what a retry queue needs: true for 5xx answers (no point retrying), false for
/// 4xx answers, connection failures, timeouts and TLS failures. ``description`` never contains
/// credentials: it is built from the relay's replies and the names (not arguments) of commands.
public struct SMTPDeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        /// The relay answered a command with a failure.
        case replied(SMTPReply, after: String)
        /// Every recipient was refused; the replies in order.
        case allRecipientsRejected([SMTPReply])
        /// TCP connection could not be established.
        case connectionFailed(String)
        /// The connection closed before the dialogue finished.
        case connectionClosed(during: String)
        /// No reply within the configured time.
        case timedOut(during: String)
        /// TLS could not be negotiated or failed.
        case tlsFailed(String)
        /// The relay broke the protocol (malformed reply, unexpected data).
        case protocolViolation(String)
        /// The relay lacks something the configuration requires (STARTTLS, an AUTH mechanism).
        case missingCapability(String)
        /// The message or envelope cannot be sent to anyone, whatever the relay says.
        case invalidRequest(String)
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// True when retrying the same message cannot help: the relay answered 5xx or the request is invalid.
    public var isPermanent: Bool {
        switch code {
        case .replied(let reply, _):
            return reply.isPermanentFailure
        case .allRecipientsRejected(let replies):
            return replies.allSatisfy(\.isPermanentFailure)
        case .invalidRequest:
            return true
        case .connectionFailed, .connectionClosed, .timedOut, .tlsFailed, .protocolViolation, .missingCapability:
            // A downgrade attacker can strip STARTTLS or AUTH, and relays get reconfigured: retry.
            return false
        }
    }

    /// The relay's reply code when the failure is an SMTP answer, otherwise nil.
    public var replyCode: Int? {
        switch code {
        case .replied(let reply, _): return reply.code
        case .allRecipientsRejected(let replies): return replies.first?.code
        default: return nil
        }
    }

    /// For example "550 5.1.1 no such user (after RCPT TO)".
    public var description: String {
        switch code {
        case .replied(let reply, let command):
            return "\(reply) (after \(command))"
        case .allRecipientsRejected(let replies):
            let first = replies.first.map { "\($0)" } ?? "no recipients"
            return "\(first) (after RCPT TO; all \(replies.count) recipients rejected)"
        case .connectionFailed(let detail):
            return "connection failed: \(detail)"
        case .connectionClosed(let stage):
            return "connection closed by the relay \(stage)"
        case .timedOut(let stage):
            return "timed out \(stage)"
        case .tlsFailed(let detail):
            return "TLS failed: \(detail)"
        case .protocolViolation(let detail):
            return "protocol violation: \(detail)"
        case .missingCapability(let detail):
            return detail
        case .invalidRequest(let detail):
            return "invalid request: \(detail)"
        }
    }

    static func replied(_ reply: SMTPReply, after command: String) -> Self { Self(.replied(reply, after: command)) }
    static func allRecipientsRejected(_ replies: [SMTPReply]) -> Self { Self(.allRecipientsRejected(replies)) }
    static func connectionFailed(_ detail: String) -> Self { Self(.connectionFailed(detail)) }
    static func connectionClosed(during stage: String) -> Self { Self(.connectionClosed(during: stage)) }
    static func timedOut(during stage: String) -> Self { Self(.timedOut(during: stage)) }
    static func tlsFailed(_ detail: String) -> Self { Self(.tlsFailed(detail)) }
    static func protocolViolation(_ detail: String) -> Self { Self(.protocolViolation(detail)) }
    static func missingCapability(_ detail: String) -> Self { Self(.missingCapability(detail)) }
    static func invalidRequest(_ detail: String) -> Self { Self(.invalidRequest(detail)) }
}
