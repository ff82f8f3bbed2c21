/// The client's reaction to each reply, one step of the dialogue at a time.
extension SMTPClientSession {
    mutating func handle(_ reply: SMTPReply, into actions: inout [Action]) {
        switch state {
        case .awaitingGreeting:
            guard reply.isPositiveCompletion else {
                finish(with: .replied(reply, after: "connect"), sayingQuit: true, into: &actions)
                return
            }
            if let problem = envelopeProblem {
                finish(with: .invalidRequest(problem), sayingQuit: true, into: &actions)
                return
            }
            sendHello(extended: true, into: &actions)

        case .awaitingHelloReply(let extended):
            if reply.isPositiveCompletion {
                extensions = extended ? Self.parseExtensions(reply) : [:]
                afterHello(into: &actions)
            } else if extended && reply.isPermanentFailure {
                sendHello(extended: false, into: &actions)  // an old server without ESMTP
            } else {
                finish(with: .replied(reply, after: awaitedCommand), sayingQuit: true, into: &actions)
            }

        case .awaitingStartTLSReply:
            if reply.code == 220 {
                state = .negotiatingTLS
                actions.append(.startTLS)
            } else if configuration.security == .startTLS {
                finish(with: .replied(reply, after: "STARTTLS"), sayingQuit: true, into: &actions)
            } else {
                authenticateOrSendMail(into: &actions)  // TLS was only wanted if available
            }

        case .awaitingAuthLoginChallenge(let step):
            guard reply.code == 334 else {
                finish(with: .replied(reply, after: "AUTH"), sayingQuit: true, into: &actions)
                return
            }
            let secret = step == .username ? configuration.username : configuration.password
            send(SMTPMessageEncoding.base64((secret ?? "").utf8), into: &actions)
            state = step == .username ? .awaitingAuthLoginChallenge(.password) : .awaitingAuthResult

        case .awaitingAuthResult:
            guard reply.isPositiveCompletion else {
                finish(with: .replied(reply, after: "AUTH"), sayingQuit: true, into: &actions)
                return
            }
            sendMail(into: &actions)

        case .awaitingMailReply:
            guard reply.isPositiveCompletion else {
                finish(with: .replied(reply, after: "MAIL FROM"), sayingQuit: true, into: &actions)
                return
            }
            sendRecipient(at: 0, into: &actions)

        case .awaitingRecipientReply(let index):
            let recipient = recipients[index]
            if reply.isPositiveCompletion {
                acceptedRecipients.append(recipient)
            } else {
                rejectedRecipients[recipient] = reply.description
                recipientRejections.append(reply)
            }
            if index + 1 < recipients.count {
                sendRecipient(at: index + 1, into: &actions)
            } else if acceptedRecipients.isEmpty {
                finish(with: .allRecipientsRejected(recipientRejections), sayingQuit: true, into: &actions)
            } else {
                send("DATA", into: &actions)
                state = .awaitingDataReply
            }

        case .awaitingDataReply:
            guard reply.isPositiveIntermediate else {
                finish(with: .replied(reply, after: "DATA"), sayingQuit: true, into: &actions)
                return
            }
            actions.append(.send(message.wireBytes))
            state = .awaitingMessageReply

        case .awaitingMessageReply:
            guard reply.isPositiveCompletion else {
                finish(with: .replied(reply, after: "end of message"), sayingQuit: true, into: &actions)
                return
            }
            let receipt = SMTPDeliveryReceipt(
                acceptedRecipients: acceptedRecipients,
                rejectedRecipients: rejectedRecipients,
                finalReply: reply.description
            )
            send("QUIT", into: &actions)
            state = .quitting(receipt)

        case .quitting(let receipt):
            state = .finished
            actions.append(.succeed(receipt))

        case .negotiatingTLS, .finished:
            break
        }
    }

    /// Why the envelope cannot be sent at all, or nil. Angle brackets and control characters
    /// would let an address rewrite the command it is part of.
    private var envelopeProblem: String? {
        if recipients.isEmpty { return "no recipients" }
        func isUnsafe(_ address: String) -> Bool {
            address.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
        }
        if isUnsafe(sender) { return "invalid sender address" }
        if recipients.contains(where: { $0.isEmpty || isUnsafe($0) }) { return "invalid recipient address" }
        return nil
    }

    private mutating func afterHello(into actions: inout [Action]) {
        if !isUsingTLS && configuration.security != .none {
            if extensions["STARTTLS"] != nil {
                send("STARTTLS", into: &actions)
                state = .awaitingStartTLSReply
                return
            }
            if configuration.security == .startTLS {
                finish(
                    with: .missingCapability("relay does not offer STARTTLS, which the configuration requires"),
                    sayingQuit: true,
                    into: &actions
                )
                return
            }
        }
        authenticateOrSendMail(into: &actions)
    }

    private mutating func authenticateOrSendMail(into actions: inout [Action]) {
        guard let username = configuration.username, let password = configuration.password else {
            sendMail(into: &actions)
            return
        }
        let mechanisms = Set((extensions["AUTH"] ?? []).map { $0.uppercased() })
        if mechanisms.contains("PLAIN") {
            // RFC 4616: authorisation identity (empty), NUL, user name, NUL, password.
            let credentials = [0] + Array(username.utf8) + [0] + Array(password.utf8)
            send("AUTH PLAIN \(SMTPMessageEncoding.base64(credentials))", into: &actions)
            state = .awaitingAuthResult
        } else if mechanisms.contains("LOGIN") {
            send("AUTH LOGIN", into: &actions)
            state = .awaitingAuthLoginChallenge(.username)
        } else {
            let reason = extensions["AUTH"] == nil ? "does not offer AUTH" : "offers neither AUTH PLAIN nor AUTH LOGIN"
            finish(with: .missingCapability("relay \(reason), but credentials are configured"), sayingQuit: true, into: &actions)
        }
    }

    private mutating func sendMail(into actions: inout [Action]) {
        var command = "MAIL FROM:<\(sender)>"
        if let sizeParameters = extensions["SIZE"] {
            if let limit = sizeParameters.first.flatMap({ Int($0) }), limit > 0, message.size > limit {
                finish(
                    with: .invalidRequest("message of \(message.size) octets exceeds the relay's SIZE limit of \(limit)"),
                    sayingQuit: true,
                    into: &actions
                )
                return
            }
            command += " SIZE=\(message.size)"
        }
        if message.hasEightBitBytes && extensions["8BITMIME"] != nil {
            command += " BODY=8BITMIME"
        }
        send(command, into: &actions)
        state = .awaitingMailReply
    }

    private mutating func sendRecipient(at index: Int, into actions: inout [Action]) {
        send("RCPT TO:<\(recipients[index])>", into: &actions)
        state = .awaitingRecipientReply(index: index)
    }

    /// EHLO reply lines after the first are "KEYWORD [params]"; old servers wrote "AUTH=PLAIN LOGIN".
    static func parseExtensions(_ reply: SMTPReply) -> [String: [String]] {
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first?.uppercased(), !keyword.isEmpty else { continue }
            extensions[keyword, default: []].append(contentsOf: words.dropFirst())
        }
        return extensions
    }
}
