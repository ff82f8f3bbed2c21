/// The server side of one SMTP connection as a pure state machine: bytes and results go in,
/// actions come out. It performs no I/O, so every dialogue can be tested without sockets.
///
/// The adapter must perform the returned actions in order. Two actions need an answer before the
/// session goes on: after ``Action/checkRecipient(_:)`` call ``recipientChecked(_:accepted:)``, after
/// ``Action/deliver(_:)`` call ``delivered(_:)``. While one is outstanding the session buffers
/// any input it is given and processes it only after the answer, which keeps pipelined replies in
/// order; the adapter should also stop reading meanwhile, which bounds that buffer.
public struct SMTPServerSession: Sendable {
    /// Limits and names for one session.
    public struct Configuration: Sendable, Hashable {
        /// The name announced in the greeting and in EHLO replies.
        public var hostname: String
        /// The largest message accepted, in octets after dot-unstuffing; advertised as SIZE.
        public var maxMessageBytes: Int
        /// The most recipients accepted for one message; the next RCPT gets 452.
        public var maxRecipients: Int
        /// The longest line accepted, in octets including CRLF, for commands and message text.
        public var maxLineLength: Int
        /// After this many failed commands in a row the session answers 421 and closes.
        public var maxConsecutiveErrors: Int

        /// Creates a configuration; the defaults follow RFC 5321 and common practice.
        public init(
            hostname: String = "localhost",
            maxMessageBytes: Int = 25 * 1024 * 1024,
            maxRecipients: Int = 100,
            maxLineLength: Int = 1000,
            maxConsecutiveErrors: Int = 10
        ) {
            self.hostname = hostname
            self.maxMessageBytes = maxMessageBytes
            self.maxRecipients = maxRecipients
            self.maxLineLength = maxLineLength
            self.maxConsecutiveErrors = maxConsecutiveErrors
        }
    }

    /// Something the adapter must do, in the order given.
    public enum Action: Sendable, Hashable {
        /// Send this reply to the client.
        case reply(SMTPReply)
        /// Ask whether mail for this address is wanted, then call ``SMTPServerSession/recipientChecked(_:accepted:)``.
        case checkRecipient(String)
        /// Store this message durably, then call ``SMTPServerSession/delivered(_:)``.
        case deliver(ReceivedMail)
        /// Close the connection after sending the replies before it. Nothing follows.
        case close
    }

    /// How storing a message ended, as reported by the adapter.
    public enum DeliveryOutcome: Sendable, Hashable {
        /// Stored durably: the client gets 250.
        case success
        /// Not stored: 451 when `temporary` (the client retries), 554 otherwise. `message` becomes the reply text.
        case failure(temporary: Bool, message: String)
    }

    /// Where the dialogue stands.
    enum State: Sendable, Hashable {
        /// The greeting has not been sent yet.
        case notStarted
        /// Reading command lines.
        case commands
        /// Waiting for ``recipientChecked(_:accepted:)`` about this address.
        case checkingRecipient(String)
        /// Reading message text after DATA (see `messageReader`).
        case receivingMessage
        /// Waiting for ``delivered(_:)``.
        case delivering
        /// Closed: all further input is ignored.
        case closed
    }

    /// The envelope being built by MAIL and RCPT.
    struct Transaction: Sendable, Hashable {
        var sender: String?
        var recipients: [String] = []
    }

    let configuration: Configuration
    let remoteAddress: String?
    var state = State.notStarted
    var heloName: String?
    /// Non-nil between a successful MAIL and the end of the transaction.
    var transaction: Transaction?
    /// Kept outside `state` so the growing message is mutated in place, never copied.
    var messageReader: SMTPMessageReader?
    var input = SMTPInputBuffer()
    var consecutiveErrors = 0
    var isShuttingDown = false

    /// Creates a session for one connection; `remoteAddress` is passed through to ``ReceivedMail``.
    public init(configuration: Configuration = Configuration(), remoteAddress: String? = nil) {
        self.configuration = configuration
        self.remoteAddress = remoteAddress
    }

    /// True once the session has asked to close; no further actions will be produced.
    public var isClosed: Bool { state == .closed }

    /// Starts the dialogue: the 220 greeting.
    public mutating func start() -> [Action] {
        guard state == .notStarted else { return [] }
        state = .commands
        let greeting = SMTPReply(code: 220, "\(configuration.hostname) ESMTP Switchboard")
        var actions: [Action] = [.reply(greeting)]
        processBufferedInput(into: &actions)
        return actions
    }

    /// Feeds bytes read from the client.
    public mutating func receive(_ bytes: some Collection<UInt8>) -> [Action] {
        guard state != .closed else { return [] }
        input.append(contentsOf: bytes)
        var actions: [Action] = []
        processBufferedInput(into: &actions)
        return actions
    }

    /// Reports the answer to ``Action/checkRecipient(_:)``.
    public mutating func recipientChecked(_ address: String, accepted: Bool) -> [Action] {
        guard state == .checkingRecipient(address) else { return [] }
        state = .commands
        var actions: [Action] = []
        if accepted {
            if transaction?.recipients.contains(address) == false {
                transaction?.recipients.append(address)
            }
            succeed(SMTPReply(code: 250, "2.1.5 Recipient <\(address)> OK"), into: &actions)
        } else {
            fail(SMTPReply(code: 550, "5.1.1 <\(address)>: Recipient address rejected"), into: &actions)
        }
        processBufferedInput(into: &actions)
        return actions
    }

    /// Reports the outcome of ``Action/deliver(_:)``.
    public mutating func delivered(_ outcome: DeliveryOutcome) -> [Action] {
        guard state == .delivering else { return [] }
        state = .commands
        transaction = nil
        var actions: [Action] = []
        switch outcome {
        case .success:
            actions.append(.reply(SMTPReply(code: 250, "2.0.0 OK: message accepted")))
        case .failure(temporary: true, let message):
            let text = message.isEmpty ? "Temporary failure, try again later" : message
            actions.append(.reply(SMTPReply(code: 451, "4.3.0 \(text)")))
        case .failure(temporary: false, let message):
            let text = message.isEmpty ? "Message rejected" : message
            actions.append(.reply(SMTPReply(code: 554, "5.3.0 \(text)")))
        }
        processBufferedInput(into: &actions)
        return actions
    }

    /// The client sent nothing for too long: 421 and close.
    public mutating func idleTimeoutElapsed() -> [Action] {
        guard state != .closed else { return [] }
        var actions: [Action] = []
        close(with: SMTPReply(code: 421, "4.4.2 \(configuration.hostname) Timeout exceeded, closing connection"), into: &actions)
        return actions
    }

    /// The server is shutting down gracefully: close at the next point where no message is in
    /// flight, with 421 so the client retries elsewhere or later. A message being received or
    /// delivered is finished first.
    public mutating func shutdownRequested() -> [Action] {
        guard state != .closed else { return [] }
        isShuttingDown = true
        var actions: [Action] = []
        processBufferedInput(into: &actions)
        return actions
    }

    /// Processes buffered input until it runs out or the session must wait for an answer.
    mutating func processBufferedInput(into actions: inout [Action]) {
        while true {
            switch state {
            case .commands:
                if isShuttingDown {
                    close(with: SMTPReply(code: 421, "4.3.2 \(configuration.hostname) Service shutting down"), into: &actions)
                    return
                }
                switch input.nextCommandLine(maxLength: configuration.maxLineLength) {
                case .needMoreData:
                    return
                case .tooLong:
                    fail(SMTPReply(code: 500, "5.5.2 Line too long"), into: &actions)
                case .line(let line):
                    handleCommandLine(line, into: &actions)
                }
            case .receivingMessage:
                guard var reader = messageReader else {
                    state = .commands
                    continue
                }
                messageReader = nil  // keep the reader uniquely referenced while it grows
                let (consumed, finished) = reader.consume(input.readableBytes)
                input.consume(consumed)
                if finished {
                    finishMessage(reader, into: &actions)
                } else {
                    messageReader = reader
                    return
                }
            case .notStarted, .checkingRecipient, .delivering, .closed:
                return
            }
        }
    }

    /// Appends a positive reply and clears the error streak.
    mutating func succeed(_ reply: SMTPReply, into actions: inout [Action]) {
        consecutiveErrors = 0
        actions.append(.reply(reply))
    }

    /// Appends an error reply; too many in a row end the session, since a client that keeps
    /// failing is confused or probing (for example harvesting addresses).
    mutating func fail(_ reply: SMTPReply, into actions: inout [Action]) {
        consecutiveErrors += 1
        actions.append(.reply(reply))
        if consecutiveErrors >= configuration.maxConsecutiveErrors {
            close(with: SMTPReply(code: 421, "4.7.0 \(configuration.hostname) Too many errors, closing connection"), into: &actions)
        }
    }

    /// Sends a final reply and closes; nothing is processed afterwards.
    mutating func close(with reply: SMTPReply, into actions: inout [Action]) {
        actions.append(.reply(reply))
        actions.append(.close)
        state = .closed
        transaction = nil
        messageReader = nil
        input = SMTPInputBuffer()
    }

    private mutating func finishMessage(_ reader: SMTPMessageReader, into actions: inout [Action]) {
        state = .commands
        if reader.exceededSize {
            let limit = configuration.maxMessageBytes
            transaction = nil
            actions.append(.reply(SMTPReply(code: 552, "5.3.4 Message size exceeds fixed limit of \(limit) octets")))
            return
        }
        if reader.exceededLineLength {
            transaction = nil
            actions.append(.reply(SMTPReply(code: 554, "5.6.0 Message has a line longer than \(configuration.maxLineLength) octets")))
            return
        }
        guard let transaction else { return }
        let mail = ReceivedMail(
            sender: transaction.sender,
            recipients: transaction.recipients,
            data: reader.message,
            heloName: heloName,
            remoteAddress: remoteAddress
        )
        state = .delivering
        actions.append(.deliver(mail))
    }
}
