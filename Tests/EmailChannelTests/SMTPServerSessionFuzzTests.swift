import EmailChannel
import Testing
import TestSupport

/// Throws thousands of random and mutated chunks at the server session while simulating the
/// adapter (answering checks and deliveries at random), and checks invariants after each step:
/// no crash, well-formed replies only, nothing after close, at most one question outstanding,
/// and no processing while one is.
@Suite("SMTP server session: fuzzing")
struct SMTPServerSessionFuzzTests {
    static let fragments: [[UInt8]] = [
        "EHLO fuzz.test\r\n", "HELO x\r\n", "MAIL FROM:<a@b.test>\r\n", "MAIL FROM:<>\r\n",
        "MAIL FROM:<a@b.test> SIZE=999999999\r\n", "MAIL FROM:<a@b.test> BODY=8BITMIME\r\n",
        "RCPT TO:<t@inbox.test>\r\n", "RCPT TO:<u@inbox.test>\r\n", "RCPT TO:<unknown@x>\r\n",
        "RCPT TO:<@r:t@inbox.test>\r\n", "DATA\r\n", "Subject: x\r\n", "..dot\r\n", ".\r\n", "\r\n.\r\n",
        "RSET\r\n", "NOOP\r\n", "VRFY a\r\n", "HELP\r\n", "EXPN x\r\n", "STARTTLS\r\n",
        "\n", "\r", ".", "\r\n", "<", ">", ":", " ", "mail from:", "rcpt to:",
        String(repeating: "A", count: 300), String(repeating: "b", count: 150) + "\r\n",
    ].map { Array($0.utf8) }

    enum Outstanding: Equatable {
        case check(String)
        case delivery
    }

    struct Harness {
        var session: SMTPServerSession
        var rng: SplitMix64
        var outstanding: Outstanding?
        var closed = false
        var replyCount = 0
        var deliveries = 0

        /// Checks one batch of actions and notes what is outstanding.
        mutating func absorb(_ actions: [SMTPServerSession.Action]) {
            for (index, action) in actions.enumerated() {
                #expect(!closed, "action after close: \(action)")
                switch action {
                case .reply(let reply):
                    replyCount += 1
                    #expect((200...599).contains(reply.code))
                    #expect(isWellFormedSMTPReply(reply.wireBytes), "malformed reply \(reply)")
                case .checkRecipient(let address):
                    #expect(outstanding == nil)
                    #expect(index == actions.count - 1, "a check must end its batch")
                    #expect(!address.isEmpty)
                    outstanding = .check(address)
                case .deliver(let mail):
                    #expect(outstanding == nil)
                    #expect(index == actions.count - 1, "a delivery must end its batch")
                    #expect(!mail.recipients.isEmpty && mail.recipients.count <= 3)
                    #expect(mail.data.count <= 2000)
                    outstanding = .delivery
                    deliveries += 1
                case .close:
                    #expect(index == actions.count - 1, "close must end its batch")
                    closed = true
                }
            }
        }

        /// Answers whatever is outstanding, at random, until nothing is.
        mutating func answerOutstanding() {
            var rounds = 0
            while let question = outstanding {
                rounds += 1
                guard rounds < 10_000 else {
                    Issue.record("answering did not settle")
                    return
                }
                outstanding = nil
                switch question {
                case .check(let address):
                    absorb(session.recipientChecked(address, accepted: rng.next() % 4 != 0))
                case .delivery:
                    let outcome: SMTPServerSession.DeliveryOutcome
                    switch rng.next() % 3 {
                    case 0: outcome = .success
                    case 1: outcome = .failure(temporary: true, message: "busy")
                    default: outcome = .failure(temporary: false, message: "no\r\nthanks")
                    }
                    absorb(session.delivered(outcome))
                }
            }
        }

        mutating func random(_ bound: Int) -> Int {
            Int(rng.next() % UInt64(bound))
        }

        /// A mostly plausible client stream: whole transactions, loose fragments and noise,
        /// each sometimes mutated, so both deep states and error paths are reached.
        mutating func randomStream(segments: Int) -> [UInt8] {
            var stream: [UInt8] = []
            for _ in 0..<segments {
                var segment: [UInt8]
                switch random(100) {
                case 0..<50: segment = randomTransaction()
                case 50..<90:
                    segment = []
                    for _ in 0...random(4) {
                        segment += SMTPServerSessionFuzzTests.fragments[random(SMTPServerSessionFuzzTests.fragments.count)]
                    }
                case 90..<98: segment = (0..<random(200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                default: segment = Array("QUIT\r\n".utf8)
                }
                if !segment.isEmpty && random(5) == 0 {
                    mutate(&segment)
                }
                stream += segment
            }
            return stream
        }

        mutating func randomTransaction() -> [UInt8] {
            var text = random(2) == 0 ? "EHLO client.test\r\n" : ""
            text += random(4) == 0 ? "MAIL FROM:<>\r\n" : "MAIL FROM:<sender@x.test> SIZE=\(random(3000))\r\n"
            for index in 0...random(4) {
                text += random(5) == 0 ? "RCPT TO:<unknown\(index)@x.test>\r\n" : "RCPT TO:<r\(index)@inbox.test>\r\n"
            }
            text += "DATA\r\n"
            for _ in 0..<random(30) {
                switch random(6) {
                case 0: text += "..stuffed\r\n"
                case 1: text += String(repeating: "L", count: random(400)) + "\r\n"
                case 2: text += "\r\n"
                case 3: text += ".\n"
                default: text += "Header-\(random(100)): value\r\n"
                }
            }
            return Array((text + ".\r\n").utf8)
        }

        mutating func mutate(_ bytes: inout [UInt8]) {
            let position = random(bytes.count)
            switch random(4) {
            case 0: bytes[position] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
            case 2: bytes.remove(at: position)
            default: bytes.removeSubrange(position...)
            }
        }
    }

    @Test func randomAndMutatedInputKeepsTheSessionSound() {
        var rng = SplitMix64(seed: 0x5EED_5A17_C0DE)
        var totalChunks = 0
        var totalReplies = 0
        var totalDeliveries = 0
        for _ in 0..<600 {
            let configuration = SMTPServerSession.Configuration(
                hostname: "fuzz.test",
                maxMessageBytes: 2000,
                maxRecipients: 3,
                maxLineLength: 200,
                maxConsecutiveErrors: 20
            )
            var harness = Harness(session: SMTPServerSession(configuration: configuration), rng: SplitMix64(seed: rng.next()))
            harness.absorb(harness.session.start())
            let stream = harness.randomStream(segments: 25)
            var offset = 0
            while offset < stream.count && !harness.closed {
                // Random chunk sizes put read boundaries everywhere, including inside terminators.
                let size = 1 + harness.random(harness.random(8) == 0 ? 2000 : 120)
                let chunk = Array(stream[offset..<min(offset + size, stream.count)])
                offset += chunk.count
                totalChunks += 1
                let hadOutstanding = harness.outstanding != nil
                let actions = harness.session.receive(chunk)
                if hadOutstanding {
                    #expect(actions.isEmpty, "input processed while a question was outstanding")
                }
                harness.absorb(actions)
                // Sometimes keep feeding input before answering, as a pipelining client would.
                if harness.random(3) != 0 {
                    harness.answerOutstanding()
                }
                if harness.random(2000) == 0 {
                    harness.absorb(harness.session.shutdownRequested())
                }
            }
            harness.answerOutstanding()
            if !harness.closed {
                harness.absorb(harness.session.idleTimeoutElapsed())
            }
            #expect(harness.closed && harness.session.isClosed)
            #expect(harness.session.receive(Array("NOOP\r\n".utf8)).isEmpty)
            totalReplies += harness.replyCount
            totalDeliveries += harness.deliveries
        }
        #expect(totalChunks > 5000)
        #expect(totalReplies > 5000)
        #expect(totalDeliveries > 100)  // the fuzzer does reach the interesting states
    }
}
