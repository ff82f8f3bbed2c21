/// The client side of one SMTP delivery as a pure state machine: the relay's bytes go in,
/// actions come out. It performs no I/O, so every dialogue can be scripted in tests.
///
/// The dialogue: greeting → EHLO (HELO if EHLO is refused with 5xx) → STARTTLS when configured and
/// offered → EHLO again → AUTH PLAIN (or LOGIN) when credentials are set → MAIL FROM → RCPT TO for
/// each recipient → DATA → the dot-stuffed message → QUIT. Commands are sent one at a time.
public struct SMTPClientSession: Sendable {
    /// What the session needs to know about the relay connection.
    public struct Configuration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        /// The name given in EHLO/HELO.
        public var heloName: String
        /// Whether and how to upgrade to TLS with STARTTLS.
        public var security: SMTPRelay.Configuration.Security
        /// The AUTH user name; AUTH is used only when both this and ``password`` are set.
        public var username: String?
        /// The AUTH password. Never logged, never part of an error description.
        public var password: String?

        /// Creates a configuration.
        public init(
            heloName: String = "localhost",
            security: SMTPRelay.Configuration.Security = .startTLSIfAvailable,
            username: String? = nil,
            password: String? = nil
        ) {
            self.heloName = heloName
            self.security = security
            self.username = username
            self.password = password
        }

        /// Describes the configuration with the password redacted.
        public var description: String {
            let redactedPassword = password == nil ? "nil" : "<redacted>"
            return "SMTPClientSession.Configuration(heloName: \(heloName), security: \(security), "
                + "username: \(username ?? "nil"), password: \(redactedPassword))"
        }

        /// Same as ``description``, so `String(reflecting:)` cannot leak the password either.
        public var debugDescription: String { description }

        /// Redacts the password for `dump` and debuggers too.
        public var customMirror: Mirror {
            Mirror(self, children: ["heloName": heloName, "security": security, "username": username as Any, "password": "<redacted>"])
        }
    }

    /// Something the adapter must do, in the order given.
    public enum Action: Sendable, Hashable {
        /// Write these bytes to the relay.
        case send([UInt8])
        /// Put TLS on the connection now (nothing else is sent before), then call ``SMTPClientSession/tlsEstablished()``.
        case startTLS
        /// The message was accepted; close the connection.
        case succeed(SMTPDeliveryReceipt)
        /// The delivery failed; close the connection after writing anything sent before.
        case fail(SMTPDeliveryError)
    }

    enum AuthLoginStep: Sendable, Hashable {
        case username
        case password
    }

    enum State: Sendable, Hashable {
        case awaitingGreeting
        case awaitingHelloReply(extended: Bool)
        case awaitingStartTLSReply
        case negotiatingTLS
        case awaitingAuthLoginChallenge(AuthLoginStep)
        case awaitingAuthResult
        case awaitingMailReply
        case awaitingRecipientReply(index: Int)
        case awaitingDataReply
        case awaitingMessageReply
        case quitting(SMTPDeliveryReceipt)
        case finished
    }

    let configuration: Configuration
    let sender: String
    let recipients: [String]
    let message: SMTPMessageEncoding.EncodedMessage
    var state = State.awaitingGreeting
    var parser = SMTPReplyParser()
    /// EHLO keywords (upper-cased) with their parameters, from the latest EHLO reply.
    var extensions: [String: [String]] = [:]
    var acceptedRecipients: [String] = []
    var rejectedRecipients: [String: String] = [:]
    var recipientRejections: [SMTPReply] = []

    /// True once TLS has been established on the connection.
    public private(set) var isUsingTLS = false

    /// Creates a session that will send `message` from `sender` (empty for the null sender) to `recipients`.
    public init(configuration: Configuration, sender: String, recipients: [String], message: [UInt8]) {
        self.configuration = configuration
        self.sender = sender
        self.recipients = recipients
        self.message = SMTPMessageEncoding.encodeForData(message)
    }

    /// True once the session produced ``Action/succeed(_:)`` or ``Action/fail(_:)``.
    public var isFinished: Bool { state == .finished }

    /// Feeds bytes received from the relay.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> [Action] {
        guard state != .finished else { return [] }
        parser.append(contentsOf: bytes)
        var actions: [Action] = []
        while state != .finished {
            let reply: SMTPReply?
            do {
                reply = try parser.nextReply()
            } catch {
                finish(with: .protocolViolation("malformed reply (\(error)) \(stageDescription)"), into: &actions)
                break
            }
            guard let reply else { break }
            handle(reply, into: &actions)
            if state == .negotiatingTLS {
                // Bytes after the 220 but before the handshake were not protected by TLS and
                // would be read as replies inside it: a classic STARTTLS injection. Refuse them.
                if parser.hasBufferedInput {
                    actions.removeAll()
                    finish(with: .protocolViolation("data received after the STARTTLS reply"), into: &actions)
                }
                break
            }
        }
        return actions
    }

    /// Reports that TLS is up after ``Action/startTLS``: the dialogue starts over with EHLO.
    public mutating func tlsEstablished() -> [Action] {
        guard state == .negotiatingTLS else { return [] }
        isUsingTLS = true
        extensions = [:]  // what was offered in plaintext no longer counts (RFC 3207 §4.2)
        var actions: [Action] = []
        sendHello(extended: true, into: &actions)
        return actions
    }

    /// Reports that the relay closed the connection.
    public mutating func connectionClosed() -> [Action] {
        endedWithoutReply(.connectionClosed(during: stageDescription))
    }

    /// Reports that no reply came within the configured time.
    public mutating func timedOut() -> [Action] {
        endedWithoutReply(.timedOut(during: stageDescription))
    }

    /// The command whose reply is awaited, for error descriptions.
    var awaitedCommand: String {
        switch state {
        case .awaitingGreeting: return "connect"
        case .awaitingHelloReply(let extended): return extended ? "EHLO" : "HELO"
        case .awaitingStartTLSReply, .negotiatingTLS: return "STARTTLS"
        case .awaitingAuthLoginChallenge, .awaitingAuthResult: return "AUTH"
        case .awaitingMailReply: return "MAIL FROM"
        case .awaitingRecipientReply: return "RCPT TO"
        case .awaitingDataReply: return "DATA"
        case .awaitingMessageReply: return "end of message"
        case .quitting, .finished: return "QUIT"
        }
    }

    private var stageDescription: String {
        switch state {
        case .awaitingGreeting: return "while waiting for the greeting"
        case .negotiatingTLS: return "during the TLS handshake"
        default: return "while waiting for the reply to \(awaitedCommand)"
        }
    }

    private mutating func endedWithoutReply(_ error: SMTPDeliveryError) -> [Action] {
        switch state {
        case .finished:
            return []
        case .quitting(let receipt):
            // The message was already accepted; a missing 221 changes nothing.
            state = .finished
            return [.succeed(receipt)]
        default:
            state = .finished
            return [.fail(error)]
        }
    }

    /// Ends the dialogue with an error, saying QUIT first when the relay is still listening.
    mutating func finish(with error: SMTPDeliveryError, sayingQuit: Bool = false, into actions: inout [Action]) {
        if sayingQuit {
            actions.append(.send(Array("QUIT\r\n".utf8)))
        }
        actions.append(.fail(error))
        state = .finished
    }

    /// Appends a command line; CR and LF are stripped from `line` so configuration or
    /// addresses can never inject a second command.
    mutating func send(_ line: String, into actions: inout [Action]) {
        var bytes = Array(line.utf8.filter { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") })
        bytes.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        actions.append(.send(bytes))
    }

    mutating func sendHello(extended: Bool, into actions: inout [Action]) {
        send("\(extended ? "EHLO" : "HELO") \(configuration.heloName)", into: &actions)
        state = .awaitingHelloReply(extended: extended)
    }
}
