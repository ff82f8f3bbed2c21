import EmailChannel
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

@Suite("SMTP relay over real sockets", .serialized, .timeLimit(.minutes(2)))
struct SMTPRelayEndToEndTests {
    /// Exercises headers, dot-stuffing, bare LF, a missing final newline and 8-bit text.
    static let message = Array("From: Desk <desk@switchboard.test>\nTo: customer@example.org\r\nSubject: Your ticket\r\nMessage-ID: <t1@switchboard.test>\r\n\r\n.hidden? no\r\n..\r\nCaf\u{E9}\nlast line".utf8)
    /// The same message as it must arrive: CRLF everywhere, dots intact, a final CRLF.
    static let messageAsDelivered = Array("From: Desk <desk@switchboard.test>\r\nTo: customer@example.org\r\nSubject: Your ticket\r\nMessage-ID: <t1@switchboard.test>\r\n\r\n.hidden? no\r\n..\r\nCaf\u{E9}\r\nlast line\r\n".utf8)

    static func relay(port: Int, _ configure: (inout SMTPRelay.Configuration) -> Void = { _ in }) -> SMTPRelay {
        var configuration = SMTPRelay.Configuration(host: "127.0.0.1", port: port)
        configuration.heloName = "switchboard.test"
        configuration.timeout = .seconds(20)
        configure(&configuration)
        return SMTPRelay(configuration: configuration, logger: smtpTestLogger)
    }

    @Test func plainDeliveryArrivesByteForByte() async throws {
        try await SMTPSinkServer.with { sink in
            let receipt = try await Self.relay(port: sink.port).send(
                from: "desk@switchboard.test",
                to: ["customer@example.org", "reject-me@example.org", "second@example.org"],
                message: Self.message
            )
            #expect(receipt.acceptedRecipients == ["customer@example.org", "second@example.org"])
            #expect(receipt.rejectedRecipients == ["reject-me@example.org": "550 5.1.1 no such user"])
            #expect(receipt.finalReply == "250 2.0.0 Message accepted for delivery")

            let messages = sink.messages()
            try #require(messages.count == 1)
            #expect(messages[0].mail_from == "desk@switchboard.test")
            #expect(messages[0].rcpt_tos == ["customer@example.org", "second@example.org"])
            #expect(messages[0].data == Self.messageAsDelivered)
            #expect(messages[0].mail_options == ["SIZE=\(Self.messageAsDelivered.count)", "BODY=8BITMIME"])
            #expect(messages[0].helo == "switchboard.test")
            #expect(messages[0].tls == false)
        }
    }

    @Test func startTLSAndAuthPlain() async throws {
        let directory = try SMTPTestDirectory()
        let (certificate, key) = try await SMTPPeers.makeSelfSignedCertificate(in: directory)
        let options = ["--tls-cert", certificate, "--tls-key", key, "--require-tls", "--auth", "desk:correct horse"]
        try await SMTPSinkServer.with(options: options) { sink in
            let relay = Self.relay(port: sink.port) {
                $0.security = .startTLS
                $0.tlsCertificateVerification = false
                $0.username = "desk"
                $0.password = "correct horse"
            }
            let receipt = try await relay.send(from: "desk@switchboard.test", to: ["customer@example.org"], message: Self.message)
            #expect(receipt.acceptedRecipients == ["customer@example.org"])
            let messages = sink.messages()
            try #require(messages.count == 1)
            #expect(messages[0].tls)
            #expect(messages[0].auth_login == "desk")
            #expect(messages[0].data == Self.messageAsDelivered)

            // A wrong password is a 535: permanent, and the password appears nowhere in the error.
            let wrong = Self.relay(port: sink.port) {
                $0.security = .startTLS
                $0.tlsCertificateVerification = false
                $0.username = "desk"
                $0.password = "battery staple"
            }
            let error = await #expect(throws: SMTPDeliveryError.self) {
                try await wrong.send(from: "desk@switchboard.test", to: ["customer@example.org"], message: Self.message)
            }
            #expect(error?.isPermanent == true)
            #expect(error?.replyCode == 535)
            #expect(error?.description.contains("battery") == false)
            #expect(sink.messages().count == 1)
        }
    }

    @Test func authLoginWhenPlainIsNotOffered() async throws {
        try await SMTPSinkServer.with(options: ["--auth", "desk:pw", "--exclude-auth", "PLAIN"]) { sink in
            let relay = Self.relay(port: sink.port) {
                $0.security = .none
                $0.username = "desk"
                $0.password = "pw"
            }
            _ = try await relay.send(from: "desk@switchboard.test", to: ["customer@example.org"], message: Self.message)
            #expect(sink.messages().first?.auth_login == "desk")
        }
    }

    @Test func refusedRecipientsArePermanentTemporaryOnesAreNot() async throws {
        try await SMTPSinkServer.with { sink in
            let relay = Self.relay(port: sink.port)
            let permanent = await #expect(throws: SMTPDeliveryError.self) {
                try await relay.send(from: "desk@switchboard.test", to: ["reject-a@example.org", "reject-b@example.org"], message: Self.message)
            }
            #expect(permanent?.isPermanent == true)
            #expect(permanent?.replyCode == 550)
            #expect(permanent?.description.hasPrefix("550 5.1.1 no such user (after RCPT TO") == true)

            let temporary = await #expect(throws: SMTPDeliveryError.self) {
                try await relay.send(from: "desk@switchboard.test", to: ["later@example.org"], message: Self.message)
            }
            #expect(temporary?.isPermanent == false)
            #expect(temporary?.replyCode == 450)
            #expect(sink.messages().isEmpty)
        }
    }

    @Test func requiredStartTLSMissingAndUntrustedCertificatesAreTemporary() async throws {
        try await SMTPSinkServer.with { sink in
            let error = await #expect(throws: SMTPDeliveryError.self) {
                try await Self.relay(port: sink.port) { $0.security = .startTLS }.send(from: "a@b.test", to: ["c@d.test"], message: Self.message)
            }
            #expect(error?.isPermanent == false)
            #expect(error?.description.contains("STARTTLS") == true)
        }
        let directory = try SMTPTestDirectory()
        let (certificate, key) = try await SMTPPeers.makeSelfSignedCertificate(in: directory)
        try await SMTPSinkServer.with(options: ["--tls-cert", certificate, "--tls-key", key]) { sink in
            // Verification stays on: the self-signed certificate must be refused.
            let error = await #expect(throws: SMTPDeliveryError.self) {
                try await Self.relay(port: sink.port) { $0.security = .startTLS }.send(from: "a@b.test", to: ["c@d.test"], message: Self.message)
            }
            #expect(error?.isPermanent == false)
            #expect(error?.description.hasPrefix("TLS failed") == true)
            #expect(sink.messages().isEmpty)
        }
    }

    @Test func refusedConnectionIsTemporary() async throws {
        // Bind a port, then close it, so nothing listens there.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        try await listener.close()
        let error = await #expect(throws: SMTPDeliveryError.self) {
            try await Self.relay(port: port).send(from: "a@b.test", to: ["c@d.test"], message: Self.message)
        }
        #expect(error?.isPermanent == false)
        #expect(error?.description.hasPrefix("connection failed") == true)
    }

    @Test func repliesInjectedBeforeTheTLSHandshakeAreRefused() async throws {
        // A fake relay that answers STARTTLS and then, in plain text, pretends to be the relay
        // speaking through TLS (the STARTTLS response-injection attack).
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = try #require(listener.channel.localAddress?.port)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await listener.executeThenClose { connections in
                    for try await connection in connections {
                        try await connection.executeThenClose { input, output in
                            try await output.write(ByteBuffer(string: "220 fake.test ESMTP\r\n"))
                            var text = ""
                            for try await chunk in input {
                                text += String(buffer: chunk)
                                if text.hasPrefix("EHLO ") && text.hasSuffix("\r\n") {
                                    text = ""
                                    try await output.write(ByteBuffer(string: "250-fake.test\r\n250 STARTTLS\r\n"))
                                } else if text == "STARTTLS\r\n" {
                                    text = ""
                                    // One write, so the injected lines reach the client before its handshake.
                                    try await output.write(ByteBuffer(string: "220 2.0.0 go ahead\r\n250-fake.test\r\n250 AUTH PLAIN\r\n"))
                                }
                            }
                        }
                        return
                    }
                }
            }
            let error = await #expect(throws: SMTPDeliveryError.self) {
                try await Self.relay(port: port) {
                    $0.security = .startTLS
                    $0.tlsCertificateVerification = false
                }.send(from: "a@b.test", to: ["c@d.test"], message: Self.message)
            }
            #expect(error?.isPermanent == false)
            #expect(error?.description == "protocol violation: data received after the STARTTLS reply")
            group.cancelAll()
        }
    }

    @Test func relayToOwnServer() async throws {
        let receiver = SMTPTestMailReceiver()
        let configuration = SMTPServer.Configuration(host: "127.0.0.1", port: 0, hostname: "mx.inbox.test", maxMessageBytes: 4096)
        try await withSMTPServer(configuration, receiver: receiver) { port in
            let relay = Self.relay(port: port)
            let receipt = try await relay.send(
                from: "",
                to: ["team@inbox.test", "stranger@elsewhere.test"],
                message: Self.message
            )
            #expect(receipt.acceptedRecipients == ["team@inbox.test"])
            #expect(receipt.rejectedRecipients["stranger@elsewhere.test"]?.hasPrefix("550 5.1.1") == true)
            #expect(receipt.finalReply == "250 2.0.0 OK: message accepted")

            let temporary = await #expect(throws: SMTPDeliveryError.self) {
                try await relay.send(from: "a@b.test", to: ["fail-temporary@inbox.test"], message: Self.message)
            }
            #expect(temporary?.isPermanent == false)
            #expect(temporary?.description == "451 4.3.0 Storage is busy (after end of message)")

            let tooBig = await #expect(throws: SMTPDeliveryError.self) {
                try await relay.send(from: "a@b.test", to: ["team@inbox.test"], message: Array(repeating: UInt8(ascii: "x"), count: 5000))
            }
            #expect(tooBig?.isPermanent == true)
        }
        let received = await receiver.received
        try #require(received.count == 1)
        #expect(received[0].sender == nil)
        #expect(received[0].recipients == ["team@inbox.test"])
        #expect(received[0].data == Self.messageAsDelivered)
        #expect(received[0].heloName == "switchboard.test")
    }
}
