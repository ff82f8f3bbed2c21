import EmailChannel
import Testing

@Suite("SMTP server session: commands")
struct SMTPServerSessionTests {
    @Test func greetingNamesHostAndProduct() {
        var session = SMTPServerSession(configuration: .init(hostname: "mx.inbox.test"))
        #expect(session.start() == [.reply(SMTPReply(code: 220, "mx.inbox.test ESMTP Switchboard"))])
        #expect(session.start() == [])
    }

    @Test func fullHappyDialogue() throws {
        var session = SMTPServerSession(configuration: .init(hostname: "mx.inbox.test", maxMessageBytes: 1000), remoteAddress: "192.0.2.7:40000")
        _ = session.start()

        let ehlo = session.receive(Array("EHLO client.example\r\n".utf8))
        let expectedEHLO = "250-mx.inbox.test greets client.example\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
        #expect(ehlo == [.reply(SMTPReply(code: 250, lines: ["mx.inbox.test greets client.example", "SIZE 1000", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES"]))])
        if case .reply(let reply)? = ehlo.first {
            #expect(String(decoding: reply.wireBytes, as: UTF8.self) == expectedEHLO)
        }

        #expect(session.receive(Array("MAIL FROM:<alice@example.org> SIZE=100 BODY=8BITMIME\r\n".utf8)).first.map(replyCode) == 250)
        #expect(session.receive(Array("RCPT TO:<team@inbox.test>\r\n".utf8)) == [.checkRecipient("team@inbox.test")])
        #expect(session.recipientChecked("team@inbox.test", accepted: true).first.map(replyCode) == 250)
        #expect(session.receive(Array("DATA\r\n".utf8)).first.map(replyCode) == 354)

        let actions = session.receive(Array("Subject: hi\r\n\r\nHello\r\n.\r\n".utf8))
        let expectedMail = ReceivedMail(
            sender: "alice@example.org",
            recipients: ["team@inbox.test"],
            data: Array("Subject: hi\r\n\r\nHello\r\n".utf8),
            heloName: "client.example",
            remoteAddress: "192.0.2.7:40000"
        )
        #expect(actions == [.deliver(expectedMail)])
        #expect(session.delivered(.success) == [.reply(SMTPReply(code: 250, "2.0.0 OK: message accepted"))])

        let quit = session.receive(Array("QUIT\r\n".utf8))
        #expect(quit.count == 2)
        #expect(quit.first.map(replyCode) == 221)
        #expect(quit.last == .close)
        #expect(session.isClosed)
        #expect(session.receive(Array("NOOP\r\n".utf8)) == [])
    }

    @Test func pipelinedCommandsAreAnsweredInOrderAndWaitForChecks() {
        var session = SMTPServerSession()
        _ = session.start()
        let chunk = "EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<one@inbox.test>\r\nRCPT TO:<two@inbox.test>\r\nDATA\r\n"
        let first = session.receive(Array(chunk.utf8))
        #expect(first.count == 3)
        #expect(first.last == .checkRecipient("one@inbox.test"))
        // Nothing more is processed while the check is outstanding, even if more input arrives.
        #expect(session.receive(Array("Subject: x\r\n".utf8)) == [])

        let second = session.recipientChecked("one@inbox.test", accepted: true)
        #expect(second.first.map(replyCode) == 250)
        #expect(second.last == .checkRecipient("two@inbox.test"))
        let third = session.recipientChecked("two@inbox.test", accepted: false)
        #expect(third.map(replyCode) == [550, 354])

        let afterDot = session.receive(Array("\r\nbody\r\n.\r\nQUIT\r\n".utf8))
        guard case .deliver(let mail)? = afterDot.first else {
            Issue.record("expected a delivery, got \(afterDot)")
            return
        }
        #expect(afterDot.count == 1)  // QUIT waits for the delivery result
        #expect(mail.recipients == ["one@inbox.test"])
        #expect(mail.data == Array("Subject: x\r\n\r\nbody\r\n".utf8))
        let end = session.delivered(.success)
        #expect(end.compactMap(replyCode) == [250, 221])
        #expect(end.last == .close)
    }

    @Test func badSequencesGet503() {
        var dialogue = SMTPServerDialogue()
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\n").codes == [503])  // before EHLO
        #expect(dialogue.send("HELO client\r\n").codes == [250])
        #expect(dialogue.send("RCPT TO:<team@inbox.test>\r\n").codes == [503])  // before MAIL
        #expect(dialogue.send("DATA\r\n").codes == [503])  // before MAIL
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\n").codes == [250])
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\n").codes == [503])  // nested MAIL
        #expect(dialogue.send("DATA\r\n").codes == [503])  // no recipient yet
        #expect(dialogue.checkedRecipients.isEmpty)
    }

    @Test func unknownRecipientGets550AndDataStaysRefused() {
        var dialogue = SMTPServerDialogue()
        let replies = dialogue.send("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<unknown@inbox.test>\r\nDATA\r\n")
        #expect(replies.codes == [250, 250, 550, 503])
        #expect(replies[2].text == "5.1.1 <unknown@inbox.test>: Recipient address rejected")
        #expect(dialogue.checkedRecipients == ["unknown@inbox.test"])
    }

    @Test func recipientLimitGives452() {
        var dialogue = SMTPServerDialogue(.init(maxRecipients: 2))
        let replies = dialogue.send("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<r1@x.test>\r\nRCPT TO:<r2@x.test>\r\nRCPT TO:<r3@x.test>\r\n")
        #expect(replies.codes == [250, 250, 250, 250, 452])
        #expect(dialogue.checkedRecipients == ["r1@x.test", "r2@x.test"])
    }

    @Test func duplicateRecipientsAreKeptOnce() {
        var dialogue = SMTPServerDialogue()
        #expect(dialogue.openTransaction(to: ["a@inbox.test", "A@inbox.test", "a@inbox.test"]) == [250, 250, 250, 250, 250, 354])
        _ = dialogue.send(".\r\n")
        #expect(dialogue.deliveries.first?.recipients == ["a@inbox.test", "A@inbox.test"])
    }

    @Test func mailParameters() {
        var dialogue = SMTPServerDialogue(.init(maxMessageBytes: 1000))
        _ = dialogue.send("EHLO c\r\n")
        #expect(dialogue.send("MAIL FROM:<a@x.test> SIZE=1001\r\n").codes == [552])
        #expect(dialogue.send("MAIL FROM:<a@x.test> SIZE=big\r\n").codes == [501])
        #expect(dialogue.send("MAIL FROM:<a@x.test> BODY=BINARYMIME\r\n").codes == [501])
        #expect(dialogue.send("MAIL FROM:<a@x.test> SMTPUTF8\r\n").codes == [555])
        #expect(dialogue.send("MAIL FROM:<a@x.test> size=1000 body=8bitmime\r\n").codes == [250])
        #expect(dialogue.send("RCPT TO:<t@x.test> NOTIFY=NEVER\r\n").codes == [555])
    }

    @Test func syntaxErrorsGet501() {
        var dialogue = SMTPServerDialogue()
        #expect(dialogue.send("EHLO\r\n").codes == [501])
        #expect(dialogue.send("EHLO c\r\n").codes == [250])
        #expect(dialogue.send("MAIL FROM:\r\n").codes == [501])
        #expect(dialogue.send("MAIL TO:<a@x.test>\r\n").codes == [501])
        #expect(dialogue.send("MAIL FROM:<a@x.test\r\n").codes == [501])
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\n").codes == [250])
        #expect(dialogue.send("RCPT TO:<>\r\n").codes == [501])
        #expect(dialogue.send("RCPT TO:<a\u{01}b@x.test>\r\n").codes == [501])
        #expect(dialogue.send("RSET now\r\n").codes == [501])
        #expect(dialogue.send("VRFY\r\n").codes == [501])
        #expect(dialogue.send(bytes: Array("RCPT TO:<".utf8) + [0xFF, 0xFE] + Array(">\r\n".utf8)).codes == [501])
    }

    @Test func lenientAddressForms() {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.send("EHLO c\r\n")
        #expect(dialogue.send("mail from: <a@x.test>\r\n").codes == [250])
        #expect(dialogue.send("RCPT TO:bare@inbox.test\r\n").codes == [250])
        #expect(dialogue.send("RCPT TO:<@relay.test,@other.test:routed@inbox.test>\r\n").codes == [250])
        #expect(dialogue.checkedRecipients == ["bare@inbox.test", "routed@inbox.test"])
    }

    @Test func nullSenderIsAllowed() {
        var dialogue = SMTPServerDialogue()
        #expect(dialogue.openTransaction(from: "") == [250, 250, 250, 354])
        #expect(dialogue.send("bounce\r\n.\r\n").codes == [250])
        #expect(dialogue.deliveries.count == 1)
        #expect(dialogue.deliveries.first?.sender == nil)
    }

    @Test func resetClearsTheTransaction() {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.send("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<t@inbox.test>\r\n")
        #expect(dialogue.send("RSET\r\n").codes == [250])
        #expect(dialogue.send("DATA\r\n").codes == [503])
        #expect(dialogue.send("MAIL FROM:<b@x.test>\r\n").codes == [250])
        // A new EHLO also starts over.
        #expect(dialogue.send("EHLO again\r\nRCPT TO:<t@inbox.test>\r\n").codes == [250, 503])
    }

    @Test func quitClosesAndIgnoresTheRest() {
        var dialogue = SMTPServerDialogue()
        let replies = dialogue.send("QUIT\r\nNOOP\r\n")
        #expect(replies.codes == [221])
        #expect(dialogue.closed)
        #expect(dialogue.send("NOOP\r\n").isEmpty)
    }

    @Test func otherCommands() {
        var dialogue = SMTPServerDialogue()
        #expect(dialogue.send("NOOP\r\n").codes == [250])
        #expect(dialogue.send("NOOP anything\r\n").codes == [250])
        #expect(dialogue.send("VRFY postmaster\r\n").codes == [252])
        #expect(dialogue.send("HELP\r\n").codes == [214])
        #expect(dialogue.send("EXPN staff\r\n").codes == [502])
        #expect(dialogue.send("STARTTLS\r\n").codes == [502])
        #expect(dialogue.send("FOO bar\r\n").codes == [500])
        #expect(dialogue.send("\r\n").codes == [500])
        #expect(dialogue.send("GET / HTTP/1.1\r\n").codes == [500])
        #expect(dialogue.send("helo lower.case\r\n").codes == [250])
    }

    @Test func bareLineFeedsInCommandsAreTolerated() {
        var dialogue = SMTPServerDialogue()
        #expect(dialogue.send("EHLO c\nMAIL FROM:<a@x.test>\nRCPT TO:<t@inbox.test>\nDATA\n").codes == [250, 250, 250, 354])
    }

    @Test func tooManyErrorsClosesWith421() {
        var dialogue = SMTPServerDialogue(.init(maxConsecutiveErrors: 3))
        #expect(dialogue.send("FOO\r\nBAR\r\n").codes == [500, 500])
        #expect(dialogue.send("NOOP\r\n").codes == [250])  // a success resets the streak
        let replies = dialogue.send("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n")
        #expect(replies.codes == [500, 500, 500, 421])
        #expect(dialogue.closed)
    }

    @Test func rejectedRecipientsCountAsErrors() {
        var dialogue = SMTPServerDialogue(.init(maxConsecutiveErrors: 3))
        let replies = dialogue.send("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<unknown1@x.test>\r\nRCPT TO:<unknown2@x.test>\r\nRCPT TO:<unknown3@x.test>\r\n")
        #expect(replies.codes == [250, 250, 550, 550, 550, 421])
        #expect(dialogue.closed)
    }

    @Test func overlongCommandLineGets500AndSessionContinues() {
        var dialogue = SMTPServerDialogue(.init(maxLineLength: 100))
        let long = "NOOP " + String(repeating: "x", count: 200) + "\r\n"
        #expect(dialogue.send(long).codes == [500])
        // The same, arriving in small pieces: one answer once the line ends, nothing kept meanwhile.
        var replies: [SMTPReply] = []
        for piece in Array(long.utf8).smtpChunked(into: 7) {
            replies += dialogue.send(bytes: piece)
        }
        #expect(replies.codes == [500])
        #expect(replies.first?.text == "5.5.2 Line too long")
        #expect(dialogue.send("NOOP\r\n").codes == [250])
        // Exactly at the limit (98 characters plus CRLF = 100 octets) is fine.
        #expect(dialogue.send("NOOP " + String(repeating: "y", count: 93) + "\r\n").codes == [250])
        #expect(dialogue.send("NOOP " + String(repeating: "y", count: 94) + "\r\n").codes == [500])
    }

    @Test func deliveryFailuresMapTo451And554() {
        var dialogue = SMTPServerDialogue()
        dialogue.deliveryOutcome = .failure(temporary: true, message: "Storage busy")
        _ = dialogue.openTransaction()
        let temporary = dialogue.send("x\r\n.\r\n")
        #expect(temporary.codes == [451])
        #expect(temporary.first?.text == "4.3.0 Storage busy")

        dialogue.deliveryOutcome = .failure(temporary: false, message: "Policy says no\r\n250 fake")
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<t@inbox.test>\r\nDATA\r\n").codes == [250, 250, 354])
        let permanent = dialogue.send("x\r\n.\r\n")
        #expect(permanent.codes == [554])
        #expect(permanent.first?.wireBytes == Array("554 5.3.0 Policy says no  250 fake\r\n".utf8))
        #expect(dialogue.deliveries.count == 2)
    }

    @Test func idleTimeoutSays421AndCloses() {
        var session = SMTPServerSession()
        _ = session.start()
        let actions = session.idleTimeoutElapsed()
        #expect(actions.count == 2)
        #expect(actions.first.map(replyCode) == 421)
        #expect(actions.last == .close)
        #expect(session.idleTimeoutElapsed() == [])
    }

    @Test func shutdownWaitsForTheMessageInFlight() {
        var session = SMTPServerSession()
        _ = session.start()
        _ = session.receive(Array("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<t@inbox.test>\r\n".utf8))
        _ = session.recipientChecked("t@inbox.test", accepted: true)
        _ = session.receive(Array("DATA\r\npart one\r\n".utf8))
        #expect(session.shutdownRequested() == [])  // mid-message: finish it first
        let afterDot = session.receive(Array(".\r\n".utf8))
        #expect(afterDot.count == 1)
        let end = session.delivered(.success)
        #expect(end.compactMap(replyCode) == [250, 421])
        #expect(end.last == .close)
    }

    @Test func shutdownClosesAnIdleSessionAtOnce() {
        var dialogue = SMTPServerDialogue()
        let actions = dialogue.session.shutdownRequested()
        #expect(actions.compactMap(replyCode) == [421])
        #expect(actions.last == .close)
    }

    @Test func answersForOtherStatesAreIgnored() {
        var session = SMTPServerSession()
        _ = session.start()
        #expect(session.recipientChecked("x@y.test", accepted: true) == [])
        #expect(session.delivered(.success) == [])
        _ = session.receive(Array("EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<t@inbox.test>\r\n".utf8))
        #expect(session.recipientChecked("other@inbox.test", accepted: true) == [])
        #expect(session.recipientChecked("t@inbox.test", accepted: true).map(replyCode) == [250])
    }
}

/// The reply code of an action, nil for non-replies.
func replyCode(_ action: SMTPServerSession.Action) -> Int? {
    if case .reply(let reply) = action { return reply.code }
    return nil
}

extension Array {
    /// Splits into consecutive pieces of at most `size` elements.
    func smtpChunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
