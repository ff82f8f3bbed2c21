import Foundation
import Testing

@testable import EmailChannel

@Suite("MIME parser: structure and automatic mail")
struct MIMEStructureTests {
    @Test("multipart bodies: preamble and epilogue ignored, boundaries need their whole line")
    func boundaries() {
        let mail = parseMail("""
            From: a@example.com
            Message-ID: <b@example.com>
            Date: 1 Jan 2024 00:00:00 +0000
            Content-Type: multipart/mixed; boundary="b"

            preamble
            --b
            Content-Type: text/plain

            text with --b inside and
            --bb is not a boundary
            --b
            Content-Type: application/octet-stream

            x
            --b--
            epilogue
            """)
        #expect(mail.text == "text with --b inside and\n--bb is not a boundary")
        #expect(mail.attachments.map(\.data) == [Data("x".utf8)])
        #expect(mail.defects.isEmpty, "\(mail.defects)")
    }

    @Test("a part that starts right after its boundary with no headers is body text")
    func partWithoutHeaders() {
        let mail = parseMail("From: a@example.com\nMessage-ID: <p@x>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nJust text.\n--b--\n")
        #expect(mail.text == "Just text.")
    }

    @Test("nesting is capped: parts below the cap are dropped with a defect, the rest is kept")
    func nestingCap() {
        var message = "Content-Type: multipart/mixed; boundary=b0\n\n--b0\nContent-Type: text/plain\n\nkept\n"
        for level in 1...80 { message += "--b\(level - 1)\nContent-Type: multipart/mixed; boundary=b\(level)\n\n" }
        message += "--b80\nContent-Type: image/png\n\nx\n"
        let mail = parseMail(message)
        #expect(mail.text == "kept")
        #expect(mail.attachments.isEmpty)
        #expect(mail.defects.contains { $0.contains("deeper") })
    }

    @Test("message/rfc822 parts are named after their subject, however deeply they nest")
    func nestedMessages() {
        let inner = "Subject: =?UTF-8?Q?Inner_=C3=A9?=\n\nhello"
        let mail = parseMail("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n\(inner)\n--b--\n")
        #expect(mail.attachments.map(\.filename) == ["Inner é.eml"])
        // Thousands of messages inside messages: parsing must neither recurse without bound nor copy each level.
        let deep = String(repeating: "Content-Type: message/rfc822\n\n", count: 20_000) + "Subject: bottom\n\nx"
        let parsed = MailParser.parse(Array(deep.utf8))
        #expect(parsed.attachments.count == 1)
        #expect(parsed.attachments.first?.filename == "message.eml")
    }

    @Test("text parts after the first and text marked as attachment are attachments")
    func textAttachments() {
        let mail = parseMail("""
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            first
            --b
            Content-Type: text/plain
            Content-Disposition: attachment; filename=notes.txt

            notes
            --b
            Content-Type: text/csv; name=data.csv

            a,b
            --b--
            """)
        #expect(mail.text == "first")
        #expect(mail.attachments.map(\.filename) == ["notes.txt", "data.csv"])
        #expect(mail.attachments.map(\.isInline) == [false, false])
    }

    @Test("line breaks in text and HTML read as LF whatever the message used")
    func lineBreaks() {
        let crlf = MailParser.parse(Array("Subject: x\r\n\r\none\r\ntwo\r\n\r\n".utf8))
        let lf = MailParser.parse(Array("Subject: x\n\none\ntwo\n\n".utf8))
        #expect(crlf.text == "one\ntwo")
        #expect(lf.text == "one\ntwo")
    }

    @Test("automatic mail is recognised", arguments: [
        ("Auto-Submitted: auto-replied", AutoSubmission.autoSubmitted),
        ("Auto-Submitted: auto-generated", .autoSubmitted),
        ("Precedence: bulk", .precedence),
        ("Precedence: list", .precedence),
        ("Precedence: junk", .precedence),
        ("X-Autoreply: yes", .autoReplyHeader),
        ("X-Autorespond: Out of office", .autoReplyHeader),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=x", .deliveryReport),
        ("Content-Type: multipart/report; report-type=\"Delivery-Status\"; boundary=x", .deliveryReport),
    ])
    func automatic(header: String, expected: AutoSubmission) {
        #expect(parseMail("From: a@example.com\n\(header)\n\nbody\n").autoSubmitted == expected)
    }

    @Test("ordinary mail is not automatic", arguments: [
        "Auto-Submitted: no", "Auto-Submitted: No (manual)", "Precedence: first-class", "X-Autoreply: no", "X-Autoreply: false",
        "Content-Type: multipart/report; report-type=disposition-notification; boundary=x", "X-Mailer: Outlook",
    ])
    func notAutomatic(header: String) {
        #expect(parseMail("From: a@example.com\n\(header)\n\nbody\n").autoSubmitted == nil)
    }
}

@Suite("MIME composer round trip")
struct MIMEComposerRoundTripTests {
    static func message(subject: String, text: String, html: String? = nil) -> MailComposer.Message {
        var message = MailComposer.Message(
            from: MailAddress(address: "support@acme.example", name: "Acme Support, EU"),
            to: [MailAddress(address: "jurgen@example.de", name: "Jürgen Weiß"), MailAddress(address: "plain@example.com")],
            subject: subject, messageID: "<reply-1@acme.example>", date: Date(timeIntervalSince1970: 1_717_000_000), text: text)
        message.cc = [MailAddress(address: "cc@example.com", name: #"Quote "Q" Person"#)]
        message.inReplyTo = "<orig-9@example.de>"
        message.references = (1...12).map { "<ref-\($0)-\(String(repeating: "x", count: 20))@example.de>" } + ["<orig-9@example.de>"]
        message.html = html
        return message
    }

    @Test("what the composer writes, the parser reads back", arguments: [
        ("Re: Your order", "Thanks, it ships today.", nil as String?),
        ("Re: Beschädigtes Paket — Ersatz unterwegs", "Grüße aus München,\nwir senden Ersatz.\n\n> Zitat\n", nil),
        ("Re: 請求書の宛名変更について、とても長い件名が続きます", String(repeating: "長い行 ", count: 60) + "\n=3D not an escape", "<p>HTML</p>"),
        ("=?UTF-8?Q?looks_encoded?=", ". leading dot\n.\nline with trailing space ", nil),
    ])
    func roundTrip(subject: String, text: String, html: String?) {
        let composed = MailComposer.compose(Self.message(subject: subject, text: text, html: html))
        let mail = MailParser.parse(composed)
        let original = Self.message(subject: subject, text: text, html: html)
        #expect(mail.subject == subject)
        #expect(mail.from == original.from)
        #expect(mail.to == original.to)
        #expect(mail.cc == original.cc)
        #expect(mail.messageID == original.messageID)
        #expect(mail.inReplyTo == ["<orig-9@example.de>"])
        #expect(mail.references == original.references)
        #expect(mail.date == original.date)
        #expect(mail.text == text.trimmingTrailingNewlines())
        #expect(mail.html == html)
        #expect(mail.defects.isEmpty, "\(mail.defects)")
        // Every line stays within SMTP's limit.
        for line in composed.split(separator: 10) { #expect(line.count <= 998) }
    }
}
