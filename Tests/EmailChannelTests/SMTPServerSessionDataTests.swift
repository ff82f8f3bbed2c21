import EmailChannel
import Testing

@Suite("SMTP server session: message text after DATA")
struct SMTPServerSessionDataTests {
    /// A body exercising stuffing, a lone dot inside a line, CR/LF oddities and an empty line.
    static let wireBody = Array("Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\nmid.dle\r\n.\tTab\r\n\r\nend\r\n.\r\n".utf8)
    static let expectedMessage = Array("Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nmid.dle\r\n\tTab\r\n\r\nend\r\n".utf8)

    @Test func dotUnstuffing() {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.openTransaction()
        #expect(dialogue.send(bytes: Self.wireBody).codes == [250])
        #expect(dialogue.deliveries.first?.data == Self.expectedMessage)
    }

    @Test func terminatorSplitAtEveryBytePosition() {
        let followUp = Array("NOOP\r\n".utf8)
        let stream = Self.wireBody + followUp
        for split in 0...stream.count {
            var dialogue = SMTPServerDialogue()
            _ = dialogue.openTransaction()
            let first = dialogue.send(bytes: Array(stream[..<split]))
            let second = dialogue.send(bytes: Array(stream[split...]))
            #expect((first + second).codes == [250, 250], "split at \(split)")
            #expect(dialogue.deliveries.first?.data == Self.expectedMessage, "split at \(split)")
        }
    }

    @Test func byteByByteDelivery() {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.openTransaction()
        var replies: [SMTPReply] = []
        for byte in Self.wireBody + Array("QUIT\r\n".utf8) {
            replies += dialogue.send(bytes: [byte])
        }
        #expect(replies.codes == [250, 221])
        #expect(dialogue.deliveries.first?.data == Self.expectedMessage)
    }

    @Test(arguments: [
        "a\n.\nb\r\n",  // LF.LF is not the end (SMTP smuggling)
        "a\r.\r\nb\r\n",  // CR.CRLF is not the end
        "a\n.\r\nb\r\n",  // LF.CRLF is not the end
        "a\r\n.\nb\r\n",  // CRLF.LF is not the end; the dot is stuffing
        "x\r\n.\rstill here\r\n",  // dot CR then text
    ])
    func lookalikeTerminatorsAreContent(_ body: String) {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.openTransaction()
        #expect(dialogue.send(body + ".\r\n").codes == [250])
        let expected: String
        switch body {
        case "a\r\n.\nb\r\n": expected = "a\r\n\nb\r\n"
        case "x\r\n.\rstill here\r\n": expected = "x\r\n\rstill here\r\n"
        default: expected = body
        }
        #expect(dialogue.deliveries.first?.data == Array(expected.utf8))
    }

    @Test func emptyMessage() {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.openTransaction()
        #expect(dialogue.send(".\r\n").codes == [250])
        #expect(dialogue.deliveries.first?.data == [])
    }

    @Test func messageOverSizeLimitIsReadToTheDotThenGets552() {
        var dialogue = SMTPServerDialogue(.init(maxMessageBytes: 100))
        _ = dialogue.openTransaction()
        let line = String(repeating: "x", count: 48) + "\r\n"  // 50 octets
        #expect(dialogue.send(line + line).isEmpty)  // exactly 100: still fine
        #expect(dialogue.send("y\r\n").isEmpty)  // now over, but still reading
        #expect(dialogue.send("..\r\n.still\r\n").isEmpty)  // stuffed lines, not the end
        let replies = dialogue.send(".\r\nNOOP\r\n")
        #expect(replies.codes == [552, 250])
        #expect(dialogue.deliveries.isEmpty)
        // The transaction is over; the session goes on.
        #expect(dialogue.send("RCPT TO:<t@inbox.test>\r\n").codes == [503])
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\n").codes == [250])
    }

    @Test func messageExactlyAtSizeLimitIsAccepted() {
        var dialogue = SMTPServerDialogue(.init(maxMessageBytes: 100))
        _ = dialogue.openTransaction()
        let line = String(repeating: "x", count: 48) + "\r\n"
        #expect(dialogue.send(line + line + ".\r\n").codes == [250])
        #expect(dialogue.deliveries.first?.data.count == 100)
    }

    @Test func overlongMessageLineRejectsTheMessageAfterTheDot() {
        var dialogue = SMTPServerDialogue(.init(maxLineLength: 1000))
        _ = dialogue.openTransaction()
        let atLimit = String(repeating: "a", count: 998) + "\r\n"
        let overLimit = String(repeating: "b", count: 999) + "\r\n"
        #expect(dialogue.send(atLimit + ".\r\n").codes == [250])
        #expect(dialogue.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<t@inbox.test>\r\nDATA\r\n").codes == [250, 250, 354])
        #expect(dialogue.send(overLimit).isEmpty)
        let replies = dialogue.send("short\r\n.\r\nNOOP\r\n")
        #expect(replies.codes == [554, 250])
        #expect(replies.first?.text.contains("line longer than 1000") == true)
        #expect(dialogue.deliveries.count == 1)
    }

    @Test func bareLineFeedsInTheMessageArePreservedAndEndLinesForTheLengthLimit() {
        var dialogue = SMTPServerDialogue(.init(maxLineLength: 40))
        _ = dialogue.openTransaction()
        let body = "0123456789abcdef\n0123456789abcdef\n0123456789abcdef\r\n"
        #expect(dialogue.send(body + ".\r\n").codes == [250])
        #expect(dialogue.deliveries.first?.data == Array(body.utf8))
    }

    @Test func eightBitAndBinaryBytesPassThrough() {
        var dialogue = SMTPServerDialogue()
        _ = dialogue.openTransaction()
        let body: [UInt8] = Array("Subject: caf".utf8) + [0xC3, 0xA9] + [13, 10, 0, 1, 0xFF, 13, 10]
        #expect(dialogue.send(bytes: body + Array(".\r\n".utf8)).codes == [250])
        #expect(dialogue.deliveries.first?.data == body)
    }

    @Test func largeMessageInManyChunks() {
        var dialogue = SMTPServerDialogue(.init(maxMessageBytes: 1_000_000))
        _ = dialogue.openTransaction()
        var expected: [UInt8] = []
        var wire: [UInt8] = []
        for index in 0..<5000 {
            let line = Array((index % 7 == 0 ? ".line \(index)" : "line \(index) of text").utf8) + [13, 10]
            expected += line
            wire += (line.first == UInt8(ascii: ".") ? [UInt8(ascii: ".")] : []) + line
        }
        wire += Array(".\r\n".utf8)
        var replies: [SMTPReply] = []
        for piece in wire.smtpChunked(into: 1021) {
            replies += dialogue.send(bytes: piece)
        }
        #expect(replies.codes == [250])
        #expect(dialogue.deliveries.first?.data == expected)
    }
}
