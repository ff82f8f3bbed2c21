import EmailChannel

/// Drives an ``SMTPServerSession`` the way the NIO adapter does, answering recipient checks and
/// deliveries at once, and collects what the client would see.
struct SMTPServerDialogue {
    var session: SMTPServerSession
    /// Which recipients the simulated receiver wants.
    var acceptsRecipient: (String) -> Bool = { !$0.hasPrefix("unknown") }
    /// How the next deliveries end.
    var deliveryOutcome = SMTPServerSession.DeliveryOutcome.success
    /// Every message handed to the simulated receiver.
    private(set) var deliveries: [ReceivedMail] = []
    /// Every recipient check, in order.
    private(set) var checkedRecipients: [String] = []
    /// True once the session asked to close.
    private(set) var closed = false

    init(_ configuration: SMTPServerSession.Configuration = .init(), skipGreeting: Bool = true) {
        session = SMTPServerSession(configuration: configuration, remoteAddress: "192.0.2.1:1234")
        if skipGreeting {
            _ = session.start()
        }
    }

    /// Sends text (use "\r\n" explicitly) and returns the replies it caused.
    mutating func send(_ text: String) -> [SMTPReply] {
        send(bytes: Array(text.utf8))
    }

    /// Sends bytes and returns the replies they caused.
    mutating func send(bytes: [UInt8]) -> [SMTPReply] {
        resolve(session.receive(bytes))
    }

    /// Performs actions like the adapter, returning the replies (including those after answers).
    mutating func resolve(_ actions: [SMTPServerSession.Action]) -> [SMTPReply] {
        var replies: [SMTPReply] = []
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case .reply(let reply):
                replies.append(reply)
            case .checkRecipient(let address):
                checkedRecipients.append(address)
                queue.append(contentsOf: session.recipientChecked(address, accepted: acceptsRecipient(address)))
            case .deliver(let mail):
                deliveries.append(mail)
                queue.append(contentsOf: session.delivered(deliveryOutcome))
            case .close:
                closed = true
            }
        }
        return replies
    }

    /// EHLO, MAIL and RCPT for the usual test envelope; returns nothing, expects success.
    mutating func openTransaction(from sender: String = "alice@example.org", to recipients: [String] = ["team@inbox.test"]) -> [Int] {
        var codes = send("EHLO client.example\r\nMAIL FROM:<\(sender)>\r\n").map(\.code)
        for recipient in recipients {
            codes += send("RCPT TO:<\(recipient)>\r\n").map(\.code)
        }
        codes += send("DATA\r\n").map(\.code)
        return codes
    }
}

extension Array where Element == SMTPReply {
    /// The reply codes, for compact expectations.
    var codes: [Int] { map(\.code) }
}

/// Checks that bytes are a sequence of well-formed SMTP reply lines: "ddd-text" continuations
/// then "ddd text", one code per reply, CRLF-terminated, no stray CR or LF.
func isWellFormedSMTPReply(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 5, bytes.suffix(2) == [13, 10] else { return false }
    let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).dropLast()
    var code: ArraySlice<UInt8>?
    for (index, line) in lines.enumerated() {
        guard line.last == 13 else { return false }
        let content = line.dropLast()
        guard content.count >= 3, content.prefix(3).allSatisfy({ (48...57).contains($0) }) else { return false }
        guard !content.contains(13) else { return false }
        if let code, code != content.prefix(3) { return false }
        code = content.prefix(3)
        let isLast = index == lines.count - 1
        let separator = content.dropFirst(3).first
        if isLast {
            guard separator == nil || separator == 32 else { return false }
        } else {
            guard separator == 45 else { return false }
        }
    }
    return true
}
