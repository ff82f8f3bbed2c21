import EmailChannel
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@Suite("SMTP server over real sockets", .serialized, .timeLimit(.minutes(2)))
struct SMTPServerEndToEndTests {
    /// What `Peers/smtp_client.py` reports for each step.
    struct ClientOutcome: Decodable {
        var ehlo: Int?
        var features: [String]?
        var refused: [String: Int]?
        var error: String?
        var code: Int?
        var codes: [String: Int]?
        var data_code: Int?
        var noop: Int?
    }

    @Test func pythonSMTPLibClientDeliversToTheServer() async throws {
        let receiver = SMTPTestMailReceiver()
        let directory = try SMTPTestDirectory()
        let planPath = directory.path("plan.json")
        let greetingBody = "Subject: Hello\r\nFrom: Alice <alice@example.org>\r\n\r\n.Leading dot\r\n..two dots\r\ncaf\u{E9}\r\nBye\r\n"
        let bigBody = "Subject: big\r\n\r\n" + String(repeating: "0123456789abcdef012345678901234567890123456789\r\n", count: 64)
        let plan: [String: Any] = [
            "messages": [
                ["from": "alice@example.org", "to": ["team@inbox.test", "stranger@elsewhere.test"], "body": greetingBody],
                ["from": "bob@example.org", "to": ["stranger@elsewhere.test"], "body": "Subject: lost\r\n\r\nx\r\n"],
                ["from": "carol@example.org", "to": ["team@inbox.test"], "body": bigBody],
                ["from": "carol@example.org", "to": ["team@inbox.test"], "body": bigBody, "raw": true],
                ["from": "", "to": ["team@inbox.test"], "body": "Subject: bounce\r\n\r\nundeliverable\r\n"],
                ["from": "dave@example.org", "to": ["fail-temporary@inbox.test"], "body": "Subject: t\r\n\r\nx\r\n"],
                ["from": "dave@example.org", "to": ["fail-permanent@inbox.test"], "body": "Subject: p\r\n\r\nx\r\n"],
            ]
        ]
        try JSONSerialization.data(withJSONObject: plan).write(to: URL(fileURLWithPath: planPath))
        let python = try SMTPPeers.executable("python3")
        let script = SMTPPeers.scriptsDirectory.appendingPathComponent("smtp_client.py").path
        let configuration = SMTPServer.Configuration(host: "127.0.0.1", port: 0, hostname: "mx.inbox.test", maxMessageBytes: 2048)

        let result = try await withSMTPServer(configuration, receiver: receiver) { port in
            try await SMTPPeers.run(python, [script, "127.0.0.1", "\(port)", planPath])
        }

        #expect(result.status == 0, "smtp_client.py failed: \(result.standardError)")
        let outcomes = try JSONDecoder().decode([ClientOutcome].self, from: Data(result.standardOutput.utf8))
        try #require(outcomes.count == 9)
        #expect(outcomes[0].ehlo == 250)
        #expect(outcomes[0].features == ["8bitmime", "enhancedstatuscodes", "pipelining", "size"])
        #expect(outcomes[1].refused == ["stranger@elsewhere.test": 550])
        #expect(outcomes[2].error == "recipients")
        #expect(outcomes[2].codes == ["stranger@elsewhere.test": 550])
        #expect(outcomes[3].error == "sender")  // SIZE= declared up front
        #expect(outcomes[3].code == 552)
        #expect(outcomes[4].data_code == 552)  // no SIZE: read to the dot, then refused
        #expect(outcomes[5].refused == [:])
        #expect(outcomes[6].error == "data")
        #expect(outcomes[6].code == 451)
        #expect(outcomes[7].error == "data")
        #expect(outcomes[7].code == 554)
        #expect(outcomes[8].noop == 250)  // the session survived all of it

        let received = await receiver.received
        try #require(received.count == 2)
        #expect(received[0].sender == "alice@example.org")
        #expect(received[0].recipients == ["team@inbox.test"])
        #expect(received[0].data == Array(greetingBody.utf8))
        #expect(received[0].heloName == "python.client.test")
        #expect(received[0].remoteAddress?.hasPrefix("127.0.0.1:") == true)
        #expect(received[1].sender == nil)
        #expect(received[1].data == Array("Subject: bounce\r\n\r\nundeliverable\r\n".utf8))
        let checked = await receiver.checked
        #expect(checked.contains("stranger@elsewhere.test"))
    }

    @Test func idleConnectionIsToldAndClosed() async throws {
        let configuration = SMTPServer.Configuration(host: "127.0.0.1", port: 0, hostname: "mx.inbox.test", idleTimeout: .milliseconds(300))
        let transcript = try await withSMTPServer(configuration, receiver: SMTPTestMailReceiver()) { port in
            let client = try await SMTPRawClient.connect(port: port)
            return try await client.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                var text = ""
                try await SMTPRawClient.read(until: "220", from: &iterator, into: &text)
                try await outbound.write(ByteBuffer(string: "EHLO slow.client\r\n"))
                try await SMTPRawClient.readToEnd(from: &iterator, into: &text)  // then say nothing
                return text
            }
        }
        let lines = transcript.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "220 mx.inbox.test ESMTP Switchboard")
        #expect(lines.last == "421 4.4.2 mx.inbox.test Timeout exceeded, closing connection")
    }

    @Test func connectionsBeyondTheLimitAreTurnedAway() async throws {
        let configuration = SMTPServer.Configuration(host: "127.0.0.1", port: 0, maxConnections: 1)
        let second = try await withSMTPServer(configuration, receiver: SMTPTestMailReceiver()) { port in
            let first = try await SMTPRawClient.connect(port: port)
            return try await first.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                var text = ""
                try await SMTPRawClient.read(until: "220", from: &iterator, into: &text)
                let other = try await SMTPRawClient.connect(port: port)
                let rejected = try await other.executeThenClose { otherInbound, _ in
                    var otherIterator = otherInbound.makeAsyncIterator()
                    var otherText = ""
                    try await SMTPRawClient.readToEnd(from: &otherIterator, into: &otherText)
                    return otherText
                }
                try await outbound.write(ByteBuffer(string: "QUIT\r\n"))
                try await SMTPRawClient.readToEnd(from: &iterator, into: &text)
                return rejected
            }
        }
        #expect(second == "421 4.7.0 localhost Too many connections, try again later\r\n")
    }

    @Test func gracefulShutdownFinishesTheMessageInFlight() async throws {
        let receiver = SMTPTestMailReceiver()
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let server = SMTPServer(configuration: .init(host: "127.0.0.1", port: 0), receiver: receiver, logger: smtpTestLogger) { port in
            portContinuation.yield(port)
        }
        let serviceGroup = ServiceGroup(configuration: .init(services: [server], logger: smtpTestLogger))
        let transcripts = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                try await serviceGroup.run()
            }
            var portIterator = ports.makeAsyncIterator()
            let port = try #require(await portIterator.next())

            let busy = try await SMTPRawClient.connect(port: port)
            let idle = try await SMTPRawClient.connect(port: port)
            let result = try await busy.executeThenClose { busyInbound, busyOutbound in
                try await idle.executeThenClose { idleInbound, _ in
                    var busyIterator = busyInbound.makeAsyncIterator()
                    var idleIterator = idleInbound.makeAsyncIterator()
                    var busyText = ""
                    var idleText = ""
                    try await SMTPRawClient.read(until: "220", from: &idleIterator, into: &idleText)
                    try await SMTPRawClient.read(until: "220", from: &busyIterator, into: &busyText)
                    try await busyOutbound.write(ByteBuffer(string: "EHLO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<t@inbox.test>\r\nDATA\r\n"))
                    try await SMTPRawClient.read(until: "354", from: &busyIterator, into: &busyText)
                    try await busyOutbound.write(ByteBuffer(string: "Subject: in flight\r\n\r\nfirst half\r\n"))

                    await serviceGroup.triggerGracefulShutdown()
                    // The idle connection is told at once; the busy one may finish its message.
                    try await SMTPRawClient.readToEnd(from: &idleIterator, into: &idleText)
                    try await busyOutbound.write(ByteBuffer(string: "second half\r\n.\r\n"))
                    try await SMTPRawClient.readToEnd(from: &busyIterator, into: &busyText)
                    return (busy: busyText, idle: idleText)
                }
            }
            try await group.waitForAll()  // run() returned: the server is down
            return result
        }
        let busyLines = transcripts.busy.split(separator: "\r\n").map(String.init)
        #expect(busyLines.suffix(2) == ["250 2.0.0 OK: message accepted", "421 4.3.2 localhost Service shutting down"])
        #expect(transcripts.idle.hasSuffix("\r\n421 4.3.2 localhost Service shutting down\r\n"))
        let received = await receiver.received
        #expect(received.map(\.data) == [Array("Subject: in flight\r\n\r\nfirst half\r\nsecond half\r\n".utf8)])
    }
}
