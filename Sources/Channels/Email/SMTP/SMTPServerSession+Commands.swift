/// Handling of individual command lines, kept apart from the session's state plumbing.
extension SMTPServerSession {
    /// The verbs listed by HELP.
    static let supportedVerbs = "EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP"

    mutating func handleCommandLine(_ line: [UInt8], into actions: inout [Action]) {
        switch SMTPCommand.parse(line[...]) {
        case .failure(.unrecognised):
            fail(SMTPReply(code: 500, "5.5.2 Command not recognized"), into: &actions)
        case .failure(.syntax(let message)):
            fail(SMTPReply(code: 501, "5.5.4 \(message)"), into: &actions)
        case .failure(.unsupportedParameter(let name)):
            fail(SMTPReply(code: 555, "5.5.4 Parameter \(name) not recognized or not implemented"), into: &actions)
        case .success(let command):
            handle(command, into: &actions)
        }
    }

    private mutating func handle(_ command: SMTPCommand, into actions: inout [Action]) {
        switch command {
        case .hello(let domain, let extended):
            // A new greeting starts over (RFC 5321 §4.1.4).
            heloName = domain
            transaction = nil
            succeed(helloReply(domain: domain, extended: extended), into: &actions)
        case .mail(let sender, let declaredSize):
            handleMail(sender: sender, declaredSize: declaredSize, into: &actions)
        case .recipient(let address):
            handleRecipient(address, into: &actions)
        case .data:
            handleData(into: &actions)
        case .reset:
            transaction = nil
            succeed(SMTPReply(code: 250, "2.0.0 OK"), into: &actions)
        case .noop:
            succeed(SMTPReply(code: 250, "2.0.0 OK"), into: &actions)
        case .quit:
            consecutiveErrors = 0
            close(with: SMTPReply(code: 221, "2.0.0 \(configuration.hostname) closing connection"), into: &actions)
        case .verify:
            // Verifying addresses would help harvesters; RFC 5321 §3.5.3 allows this non-answer.
            succeed(SMTPReply(code: 252, "2.5.0 Cannot VRFY user, but will accept message and attempt delivery"), into: &actions)
        case .help:
            succeed(SMTPReply(code: 214, "2.0.0 Supported commands: \(Self.supportedVerbs)"), into: &actions)
        case .notImplemented(let verb):
            fail(SMTPReply(code: 502, "5.5.1 \(verb) not implemented"), into: &actions)
        }
    }

    private func helloReply(domain: String, extended: Bool) -> SMTPReply {
        let greeting = "\(configuration.hostname) greets \(domain)"
        guard extended else { return SMTPReply(code: 250, greeting) }
        return SMTPReply(
            code: 250,
            lines: [
                greeting,
                "SIZE \(configuration.maxMessageBytes)",
                "8BITMIME",
                "PIPELINING",
                "ENHANCEDSTATUSCODES",
            ]
        )
    }

    private mutating func handleMail(sender: String?, declaredSize: Int?, into actions: inout [Action]) {
        guard heloName != nil else {
            fail(SMTPReply(code: 503, "5.5.1 Send EHLO or HELO first"), into: &actions)
            return
        }
        guard transaction == nil else {
            fail(SMTPReply(code: 503, "5.5.1 Sender already specified"), into: &actions)
            return
        }
        if let declaredSize, declaredSize > configuration.maxMessageBytes {
            // RFC 1870: refuse up front rather than after the whole message was sent.
            fail(SMTPReply(code: 552, "5.3.4 Message size exceeds fixed limit of \(configuration.maxMessageBytes) octets"), into: &actions)
            return
        }
        transaction = Transaction(sender: sender)
        succeed(SMTPReply(code: 250, "2.1.0 Sender OK"), into: &actions)
    }

    private mutating func handleRecipient(_ address: String, into actions: inout [Action]) {
        guard let transaction else {
            fail(SMTPReply(code: 503, "5.5.1 Need MAIL command first"), into: &actions)
            return
        }
        guard transaction.recipients.count < configuration.maxRecipients else {
            fail(SMTPReply(code: 452, "4.5.3 Too many recipients"), into: &actions)
            return
        }
        state = .checkingRecipient(address)
        actions.append(.checkRecipient(address))
    }

    private mutating func handleData(into actions: inout [Action]) {
        guard let transaction else {
            fail(SMTPReply(code: 503, "5.5.1 Need MAIL command first"), into: &actions)
            return
        }
        guard !transaction.recipients.isEmpty else {
            fail(SMTPReply(code: 503, "5.5.1 Need RCPT command first (no valid recipients)"), into: &actions)
            return
        }
        messageReader = SMTPMessageReader(
            maxMessageBytes: configuration.maxMessageBytes,
            maxLineLength: configuration.maxLineLength
        )
        state = .receivingMessage
        succeed(SMTPReply(code: 354, "End data with <CR><LF>.<CR><LF>"), into: &actions)
    }
}
