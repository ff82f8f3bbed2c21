import EmailChannel
import Testing

/// Plays the relay's side against an ``SMTPClientSession`` and records what the client sends.
struct SMTPClientDialogue {
    var session: SMTPClientSession
    /// Everything the client wrote, one entry per send action.
    var sent: [String] = []
    var tlsRequested = false
    var receipt: SMTPDeliveryReceipt?
    var error: SMTPDeliveryError?

    init(
        _ configuration: SMTPClientSession.Configuration = .init(security: .none),
        from sender: String = "desk@switchboard.test",
        to recipients: [String] = ["customer@example.org"],
        message: String = "Subject: hi\r\n\r\nHello\r\n"
    ) {
        session = SMTPClientSession(configuration: configuration, sender: sender, recipients: recipients, message: Array(message.utf8))
    }

    /// The relay says `text`; returns what the client sent in response.
    @discardableResult
    mutating func relay(_ text: String) -> [String] {
        absorb(session.receive(Array(text.utf8)))
    }

    @discardableResult
    mutating func absorb(_ actions: [SMTPClientSession.Action]) -> [String] {
        var now: [String] = []
        for action in actions {
            switch action {
            case .send(let bytes): now.append(String(decoding: bytes, as: UTF8.self))
            case .startTLS: tlsRequested = true
            case .succeed(let receipt): self.receipt = receipt
            case .fail(let error): self.error = error
            }
        }
        sent += now
        return now
    }
}

@Suite("SMTP client session")
struct SMTPClientSessionTests {
    static let ehloReply = "250-relay.test Hello\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 HELP\r\n"

    @Test func happyPathWithMultiLineEHLO() {
        var dialogue = SMTPClientDialogue(.init(heloName: "switchboard.test", security: .none))
        #expect(dialogue.relay("220 relay.test ESMTP ready\r\n") == ["EHLO switchboard.test\r\n"])
        #expect(dialogue.relay(Self.ehloReply) == ["MAIL FROM:<desk@switchboard.test> SIZE=22\r\n"])
        #expect(dialogue.relay("250 2.1.0 Ok\r\n") == ["RCPT TO:<customer@example.org>\r\n"])
        #expect(dialogue.relay("250 2.1.5 Ok\r\n") == ["DATA\r\n"])
        #expect(dialogue.relay("354 End data with <CR><LF>.<CR><LF>\r\n") == ["Subject: hi\r\n\r\nHello\r\n.\r\n"])
        #expect(dialogue.relay("250 2.0.0 Ok: queued as ABC\r\n") == ["QUIT\r\n"])
        #expect(dialogue.receipt == nil)  // waits for the 221
        dialogue.relay("221 2.0.0 Bye\r\n")
        #expect(dialogue.receipt == SMTPDeliveryReceipt(acceptedRecipients: ["customer@example.org"], rejectedRecipients: [:], finalReply: "250 2.0.0 Ok: queued as ABC"))
        #expect(dialogue.session.isFinished)
        #expect(dialogue.relay("250 extra\r\n").isEmpty)
    }

    @Test func repliesSplitAcrossReadsAreReassembled() {
        var dialogue = SMTPClientDialogue()
        for byte in Array(("220 hi\r\n").utf8) { dialogue.absorb(dialogue.session.receive([byte])) }
        for byte in Array(Self.ehloReply.utf8) { dialogue.absorb(dialogue.session.receive([byte])) }
        #expect(dialogue.sent == ["EHLO localhost\r\n", "MAIL FROM:<desk@switchboard.test> SIZE=22\r\n"])
    }

    @Test func heloFallbackWhenEHLOIsRefused() {
        var dialogue = SMTPClientDialogue()
        dialogue.relay("220 old.relay.test\r\n")
        #expect(dialogue.relay("502 5.5.2 Error: command not recognized\r\n") == ["HELO localhost\r\n"])
        // Without EHLO there are no extensions: no SIZE parameter.
        #expect(dialogue.relay("250 old.relay.test\r\n") == ["MAIL FROM:<desk@switchboard.test>\r\n"])
    }

    @Test func startTLSPathStartsOverWithEHLO() {
        var dialogue = SMTPClientDialogue(.init(security: .startTLS, username: "desk", password: "s3cret"))
        dialogue.relay("220 relay.test\r\n")
        // AUTH offered before TLS is ignored: only what is offered after the upgrade counts.
        #expect(dialogue.relay("250-relay.test\r\n250-AUTH LOGIN\r\n250 STARTTLS\r\n") == ["STARTTLS\r\n"])
        #expect(dialogue.relay("220 2.0.0 Ready to start TLS\r\n").isEmpty)
        #expect(dialogue.tlsRequested)
        #expect(dialogue.absorb(dialogue.session.tlsEstablished()) == ["EHLO localhost\r\n"])
        #expect(dialogue.session.isUsingTLS)
        let auth = dialogue.relay("250-relay.test\r\n250 AUTH PLAIN LOGIN\r\n")
        #expect(auth == ["AUTH PLAIN AGRlc2sAczNjcmV0\r\n"])  // base64("\0desk\0s3cret")
        #expect(dialogue.relay("235 2.7.0 Authentication successful\r\n") == ["MAIL FROM:<desk@switchboard.test>\r\n"])
    }

    @Test func startTLSRequiredButNotOfferedFailsAsTemporary() throws {
        var dialogue = SMTPClientDialogue(.init(security: .startTLS))
        dialogue.relay("220 relay.test\r\n")
        #expect(dialogue.relay(Self.ehloReply) == ["QUIT\r\n"])
        let error = try #require(dialogue.error)
        #expect(!error.isPermanent)
        #expect(error.description.contains("STARTTLS"))
    }

    @Test func startTLSIfAvailableGoesOnInPlainText() {
        var dialogue = SMTPClientDialogue(.init(security: .startTLSIfAvailable))
        dialogue.relay("220 relay.test\r\n")
        #expect(dialogue.relay("250 relay.test\r\n") == ["MAIL FROM:<desk@switchboard.test>\r\n"])
        // Offered but refused: also plain text.
        var refused = SMTPClientDialogue(.init(security: .startTLSIfAvailable))
        refused.relay("220 relay.test\r\n")
        refused.relay("250-relay.test\r\n250 STARTTLS\r\n")
        #expect(refused.relay("454 4.7.0 TLS not available\r\n") == ["MAIL FROM:<desk@switchboard.test>\r\n"])
    }

    @Test func bytesInjectedAfterTheStartTLSReplyAreRefused() throws {
        var dialogue = SMTPClientDialogue(.init(security: .startTLS))
        dialogue.relay("220 relay.test\r\n")
        dialogue.relay("250-relay.test\r\n250 STARTTLS\r\n")
        dialogue.relay("220 go ahead\r\n250-injected\r\n")
        #expect(!dialogue.tlsRequested)
        let error = try #require(dialogue.error)
        #expect(error.description.contains("after the STARTTLS reply"))
    }

    @Test func authLoginWhenOnlyLoginIsOffered() {
        var dialogue = SMTPClientDialogue(.init(security: .none, username: "desk", password: "s3cret"))
        dialogue.relay("220 relay.test\r\n")
        #expect(dialogue.relay("250-relay.test\r\n250 AUTH=LOGIN\r\n") == ["AUTH LOGIN\r\n"])
        #expect(dialogue.relay("334 VXNlcm5hbWU6\r\n") == ["ZGVzaw==\r\n"])
        #expect(dialogue.relay("334 UGFzc3dvcmQ6\r\n") == ["czNjcmV0\r\n"])
        #expect(dialogue.relay("235 2.7.0 OK\r\n") == ["MAIL FROM:<desk@switchboard.test>\r\n"])
    }

    @Test func authFailureIsPermanentAndKeepsThePasswordOut() throws {
        var dialogue = SMTPClientDialogue(.init(security: .none, username: "desk", password: "s3cret"))
        dialogue.relay("220 relay.test\r\n")
        dialogue.relay("250-relay.test\r\n250 AUTH PLAIN\r\n")
        #expect(dialogue.relay("535 5.7.8 Authentication credentials invalid\r\n") == ["QUIT\r\n"])
        let error = try #require(dialogue.error)
        #expect(error.isPermanent)
        #expect(error.description == "535 5.7.8 Authentication credentials invalid (after AUTH)")
        #expect(!error.description.contains("s3cret") && !error.description.contains("czNjcmV0"))
        #expect(!"\(dialogue.session)".contains("s3cret"))
        let configuration = SMTPClientSession.Configuration(username: "desk", password: "s3cret")
        #expect(!String(describing: configuration).contains("s3cret"))
        #expect(!String(reflecting: configuration).contains("s3cret"))
        var dumped = ""
        dump(dialogue.session, to: &dumped)
        #expect(!dumped.contains("s3cret"))
        var relayConfiguration = SMTPRelay.Configuration(host: "relay.test", port: 587)
        relayConfiguration.password = "s3cret"
        dump(relayConfiguration, to: &dumped)
        #expect(!dumped.contains("s3cret") && !"\(relayConfiguration)".contains("s3cret"))
    }

    @Test func credentialsWithoutAnyAuthOfferFail() throws {
        var dialogue = SMTPClientDialogue(.init(security: .none, username: "desk", password: "pw"))
        dialogue.relay("220 relay.test\r\n")
        #expect(dialogue.relay("250 relay.test\r\n") == ["QUIT\r\n"])
        let error = try #require(dialogue.error)
        #expect(!error.isPermanent)
        #expect(error.description.contains("does not offer AUTH"))
    }

    @Test func partiallyRejectedRecipientsAreReported() {
        var dialogue = SMTPClientDialogue(to: ["a@example.org", "nobody@example.org", "b@example.org"])
        dialogue.relay("220 relay.test\r\n")
        dialogue.relay("250 relay.test\r\n")
        dialogue.relay("250 Ok\r\n")
        #expect(dialogue.relay("250 Ok\r\n") == ["RCPT TO:<nobody@example.org>\r\n"])
        #expect(dialogue.relay("550 5.1.1 no such user\r\n") == ["RCPT TO:<b@example.org>\r\n"])
        #expect(dialogue.relay("250 Ok\r\n") == ["DATA\r\n"])
        dialogue.relay("354 go\r\n")
        dialogue.relay("250 queued\r\n")
        dialogue.absorb(dialogue.session.connectionClosed())  // no 221: still delivered
        #expect(dialogue.receipt?.acceptedRecipients == ["a@example.org", "b@example.org"])
        #expect(dialogue.receipt?.rejectedRecipients == ["nobody@example.org": "550 5.1.1 no such user"])
        #expect(dialogue.receipt?.finalReply == "250 queued")
    }

    @Test func allRecipientsRejectedPermanently() throws {
        var dialogue = SMTPClientDialogue(to: ["x@example.org", "y@example.org"])
        dialogue.relay("220 relay.test\r\n250 relay.test\r\n250 Ok\r\n")
        dialogue.relay("550 5.1.1 no such user\r\n")
        #expect(dialogue.relay("553 5.1.3 bad address\r\n") == ["QUIT\r\n"])
        let error = try #require(dialogue.error)
        #expect(error.isPermanent)
        #expect(error.replyCode == 550)
        #expect(error.description.hasPrefix("550 5.1.1 no such user (after RCPT TO"))
    }

    @Test func anyTemporaryRecipientFailureMakesTheWholeFailureTemporary() throws {
        var dialogue = SMTPClientDialogue(to: ["x@example.org", "y@example.org"])
        dialogue.relay("220 relay.test\r\n250 relay.test\r\n250 Ok\r\n")
        dialogue.relay("450 4.2.1 mailbox busy\r\n")
        dialogue.relay("550 5.1.1 no such user\r\n")
        let error = try #require(dialogue.error)
        #expect(!error.isPermanent)
    }

    @Test(arguments: [
        ("220 relay\r\n421 4.3.2 shutting down\r\n", false, "421 4.3.2 shutting down (after EHLO)"),
        ("554 5.7.1 go away\r\n", true, "554 5.7.1 go away (after connect)"),
        ("220 relay\r\n250 relay\r\n451 4.3.0 try later\r\n", false, "451 4.3.0 try later (after MAIL FROM)"),
        ("220 relay\r\n250 relay\r\n553 5.7.1 sender refused\r\n", true, "553 5.7.1 sender refused (after MAIL FROM)"),
        ("220 relay\r\n250 relay\r\n250 ok\r\n250 ok\r\n554 5.5.1 no valid recipients\r\n", true, "554 5.5.1 no valid recipients (after DATA)"),
        ("220 relay\r\n250 relay\r\n250 ok\r\n250 ok\r\n354 go\r\n552 5.3.4 too big\r\n", true, "552 5.3.4 too big (after end of message)"),
        ("220 relay\r\n250 relay\r\n250 ok\r\n250 ok\r\n354 go\r\n451 4.3.0 disk full\r\n", false, "451 4.3.0 disk full (after end of message)"),
    ])
    func failuresAreClassifiedByReplyCode(script: String, permanent: Bool, description: String) throws {
        var dialogue = SMTPClientDialogue()
        dialogue.relay(script)
        let error = try #require(dialogue.error)
        #expect(error.isPermanent == permanent)
        #expect(error.description == description)
        #expect(dialogue.sent.last == "QUIT\r\n")
    }

    @Test func connectionLossAndTimeoutsAreTemporary() throws {
        var closed = SMTPClientDialogue()
        closed.relay("220 relay\r\n")
        closed.absorb(closed.session.connectionClosed())
        #expect(closed.error?.isPermanent == false)
        #expect(closed.error?.description == "connection closed by the relay while waiting for the reply to EHLO")

        var silent = SMTPClientDialogue()
        silent.absorb(silent.session.timedOut())
        #expect(silent.error?.isPermanent == false)
        #expect(silent.error?.description == "timed out while waiting for the greeting")
    }

    @Test func malformedRepliesAreProtocolViolations() throws {
        var dialogue = SMTPClientDialogue()
        dialogue.relay("HTTP/1.1 400 Bad Request\r\n")
        let error = try #require(dialogue.error)
        #expect(!error.isPermanent)
        #expect(error.description.hasPrefix("protocol violation"))

        var mixed = SMTPClientDialogue()
        mixed.relay("220 hi\r\n")
        mixed.relay("250-relay\r\n251 other\r\n")
        #expect(mixed.error?.description.hasPrefix("protocol violation") == true)
    }

    @Test func outgoingMessageIsDotStuffedAndCRLFNormalised() {
        var dialogue = SMTPClientDialogue(message: "Subject: x\n\n.leading\r\n..two\rmid.dot\n.\nlast")
        dialogue.relay("220 relay\r\n250 relay\r\n250 ok\r\n250 ok\r\n354 go\r\n")
        #expect(dialogue.sent.last == "Subject: x\r\n\r\n..leading\r\n...two\r\nmid.dot\r\n..\r\nlast\r\n.\r\n")
    }

    @Test func sizeAndEightBitParameters() throws {
        var dialogue = SMTPClientDialogue(message: "Subject: caf\u{E9}\r\n\r\nx")
        dialogue.relay("220 relay\r\n")
        // SIZE counts CRLF-normalised octets without stuffing: 14 + 2 + 2 + 1 + 2 = 21.
        #expect(dialogue.relay(Self.ehloReply) == ["MAIL FROM:<desk@switchboard.test> SIZE=21 BODY=8BITMIME\r\n"])

        var tooBig = SMTPClientDialogue(message: String(repeating: "x", count: 20_000))
        tooBig.relay("220 relay\r\n")
        #expect(tooBig.relay(Self.ehloReply) == ["QUIT\r\n"])
        #expect(tooBig.error?.isPermanent == true)
    }

    @Test func nullSenderAndInvalidAddresses() throws {
        var bounce = SMTPClientDialogue(from: "")
        bounce.relay("220 relay\r\n")
        #expect(bounce.relay("250 relay\r\n") == ["MAIL FROM:<>\r\n"])

        var injected = SMTPClientDialogue(to: ["a@example.org>\r\nRCPT TO:<evil@example.org"])
        #expect(injected.relay("220 relay\r\n") == ["QUIT\r\n"])
        #expect(injected.error?.isPermanent == true)

        var nobody = SMTPClientDialogue(to: [])
        nobody.relay("220 relay\r\n")
        #expect(nobody.error?.description == "invalid request: no recipients")
    }
}
