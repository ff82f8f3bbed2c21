import EmailChannel
import Foundation
import Testing
import TestSupport

/// Throws random bytes, random-token messages and mutated corpus messages at the parser. Inputs stay small enough that
/// a hang or a quadratic path shows as a stuck run, and every result must meet the invariants below.
@Suite("MIME parser: fuzzing")
struct MIMEParserFuzzTests {
    static let tokens: [String] = [
        "From: ", "To: ", "Subject: ", "Message-ID: ", "References: ", "In-Reply-To: ", "Date: ", "Content-Type: ",
        "Content-Transfer-Encoding: ", "Content-Disposition: ", "Auto-Submitted: auto-replied", "Precedence: bulk",
        "multipart/mixed; boundary=b", "multipart/alternative; boundary=\"c\"", "multipart/report; report-type=delivery-status",
        "message/rfc822", "text/plain; charset=utf-8", "text/html; charset=iso-2022-jp", "text/plain; charset=x-none",
        "image/png; name=a.png", "attachment; filename*0*=UTF-8''%E2%82", "; filename*1*=%AC.pdf", "inline",
        "base64", "quoted-printable", "8bit", "--b", "--b--", "--c", "--c--", "<a@b>", "<", ">", "\"", "(", ")", ",", ";",
        ":", "=", "=?", "?=", "=?UTF-8?B?", "=?utf-8?q?", "=?koi8-r?B?", "=C3=A9", "=\r\n", "=ZZ", "SGVsbG8=", "====",
        "&amp;", "&#x1F4E6;", "&#99999999;", "<p>", "<br>", "<script>", "</script>", "<style", "\r\n", "\n", "\r", "\r\n\r\n",
        "\n\n", " ", "\t", "\0", "é", "日本", "\u{FEFF}", "Tue, 14 May 2024 11:12:40 +0200", "99 Foo 99999999999999 99:99",
    ]

    static let charsets = ["UTF-8", "utf-8", "ISO-8859-1", "windows-1252", "KOI8-R", "Shift_JIS", "ISO-2022-JP", "GB2312", "Big5",
                           "x-unknown", "", "UTF-16", "utf-7"]

    /// The checks every parse result must pass, whatever the input.
    static func checkInvariants(_ input: [UInt8], seed: UInt64, _ what: String) {
        let mail = MailParser.parse(input)
        let context = "\(what), seed \(seed), \(input.count) bytes"
        let attachmentBytes = mail.attachments.reduce(0) { $0 + $1.data.count }
        #expect(attachmentBytes <= input.count, "attachments hold more than the input: \(context)")
        #expect(mail.text.utf8.count <= input.count * 4 + 4, "text longer than any decoding allows: \(context)")
        #expect(!mail.text.hasSuffix("\n"), "text keeps a trailing line break: \(context)")
        #expect(!mail.text.unicodeScalars.contains("\r"), "text keeps a CR: \(context)")
        #expect((mail.subject?.utf8.count ?? 0) <= input.count * 4 + 4, "subject too long: \(context)")
        if let id = mail.messageID { #expect(id.hasPrefix("<") && id.hasSuffix(">") && id.count > 2, "message id \(id): \(context)") }
        for id in mail.inReplyTo + mail.references { #expect(id.hasPrefix("<") && id.hasSuffix(">"), "reference \(id): \(context)") }
        for attachment in mail.attachments {
            #expect(attachment.contentType.contains("/"), "content type \(attachment.contentType): \(context)")
            #expect(attachment.contentType == attachment.contentType.lowercased(), "content type case: \(context)")
        }
        #expect(mail.headers.count <= input.count, "more headers than bytes: \(context)")
        #expect(mail.attachments.count <= input.count, "more attachments than bytes: \(context)")
    }

    @Test("random bytes and random-token messages parse and meet the invariants")
    func randomInputs() {
        let seed: UInt64 = 0x4D49_4D45_F022
        var rng = SplitMix64(seed: seed)
        for round in 0..<2000 {
            let length = Int(rng.next() % 600)
            let bytes = (0..<length).map { _ in
                // Mostly bytes that matter to the parser, sometimes anything.
                rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : Array("\r\n:;=?-<>\"bB Q\t".utf8)[Int(rng.next() % 15)]
            }
            Self.checkInvariants(bytes, seed: seed, "random bytes round \(round)")
        }
        for round in 0..<2000 {
            var message = ""
            for _ in 0..<Int(rng.next() % 80) {
                message += rng.next() % 6 == 0 ? Self.randomEncodedWord(&rng) : Self.tokens[Int(rng.next() % UInt64(Self.tokens.count))]
            }
            Self.checkInvariants(Array(message.utf8), seed: seed, "random tokens round \(round)")
        }
    }

    @Test("mutated corpus messages parse and meet the invariants", arguments: MIMECorpus.messages)
    func mutatedCorpus(name: String) throws {
        let original = try MIMECorpus.bytes(name)
        // Seeded per message, so one message's failure reproduces on its own.
        let seed = name.utf8.reduce(UInt64(0xC0_4915)) { $0 &* 31 &+ UInt64($1) }
        var rng = SplitMix64(seed: seed)
        Self.checkInvariants(original, seed: seed, "\(name) unchanged")
        let rounds = original.count > 50_000 ? 4 : 40
        for round in 0..<rounds {
            var bytes = original
            var applied: [String] = []
            for _ in 0...Int(rng.next() % 3) {
                applied.append(Self.mutate(&bytes, &rng))
            }
            Self.checkInvariants(bytes, seed: seed, "\(name) round \(round) after \(applied.joined(separator: ", "))")
        }
    }

    static func randomEncodedWord(_ rng: inout SplitMix64) -> String {
        let charset = charsets[Int(rng.next() % UInt64(charsets.count))]
        let payload = (0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        if rng.next() % 2 == 0 {
            return "=?\(charset)?B?\(Data(payload).base64EncodedString())?="
        }
        return "=?\(charset)?Q?" + payload.map { String(format: "=%02X", $0) }.joined() + "?="
    }

    /// One random change; returns its name for failure messages.
    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) -> String {
        func position(_ count: Int) -> Int { count == 0 ? 0 : Int(rng.next() % UInt64(count)) }
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        switch rng.next() % 8 {
        case 0:
            for _ in 0..<(1 + position(8)) where !bytes.isEmpty {
                bytes[position(bytes.count)] ^= UInt8(1) << UInt8(rng.next() % 8)
            }
            return "bit flips"
        case 1:
            let inserted = (0..<(1 + position(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            bytes.insert(contentsOf: inserted, at: position(bytes.count + 1))
            return "insertion"
        case 2:
            let start = position(bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + position(64)))
            return "deletion"
        case 3:
            bytes.removeSubrange(position(bytes.count + 1)...)
            return "truncation"
        case 4:
            let boundaries = lines.indices.filter { lines[$0].starts(with: [45, 45]) }
            guard let line = boundaries.randomElement(using: &rng) else { return "no boundary" }
            if rng.next() % 2 == 0 { lines.insert(lines[line], at: line) } else { lines.remove(at: line) }
            bytes = Array(lines.joined(separator: [10]))
            return "boundary line changed"
        case 5:
            let headerEnd = lines.firstIndex { $0.isEmpty || $0 == [13] } ?? lines.count
            guard headerEnd >= 2 else { return "too few header lines" }
            lines.swapAt(position(headerEnd), position(headerEnd))
            bytes = Array(lines.joined(separator: [10]))
            return "header lines swapped"
        case 6:
            let line = position(min(lines.count, 12))
            if lines.indices.contains(line) { lines[line] += Array((" " + randomEncodedWord(&rng)).utf8) }
            bytes = Array(lines.joined(separator: [10]))
            return "encoded word added"
        default:
            let token = Array(tokens[position(tokens.count)].utf8)
            bytes.insert(contentsOf: token, at: position(bytes.count + 1))
            return "token inserted"
        }
    }
}
