import Foundation
import Testing

@testable import EmailChannel

/// Parses a message written with `\n` line ends, sent as CRLF.
func parseMail(_ text: String) -> ParsedMail {
    MailParser.parse(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
}

@Suite("MIME parser: headers")
struct MIMEHeaderTests {
    @Test("folded headers unfold to one value; continuation lines keep their words")
    func unfolding() {
        let mail = parseMail("Subject: one\n two\n\tthree\nX-Empty:\nTo: a@example.com,\n  b@example.com\n\nbody\n")
        #expect(mail.subject == "one two three")
        #expect(mail.header("x-empty") == "")
        #expect(mail.to.map(\.address) == ["a@example.com", "b@example.com"])
        #expect(mail.headers.map(\.name) == ["Subject", "X-Empty", "To"])
        #expect(mail.text == "body")
    }

    @Test("a line without a colon inside the header block is skipped and noted")
    func headerWithoutColon() {
        let mail = parseMail("From: a@example.com\nnot a header\nSubject: kept\n\nbody\n")
        #expect(mail.subject == "kept")
        #expect(mail.text == "body")
        #expect(mail.defects.contains { $0.contains("colon") })
    }

    @Test("when no blank line follows the headers, the body starts at the first line that is not a header")
    func missingBlankLine() {
        let mail = parseMail("From: a@example.com\nSubject: hi\nHello there\nsecond line\n")
        #expect(mail.subject == "hi")
        #expect(mail.text == "Hello there\nsecond line")
        #expect(!mail.defects.isEmpty)
        let headersOnly = parseMail("From: a@example.com\nSubject: hi")
        #expect(headersOnly.subject == "hi")
        #expect(headersOnly.text == "")
    }

    @Test("8-bit header bytes read as UTF-8, else as Latin-1")
    func eightBitHeaders() {
        let utf8 = MailParser.parse(Array("Subject: Grüße\r\n\r\nx".utf8))
        #expect(utf8.subject == "Grüße")
        let latin1 = MailParser.parse(Array("Subject: Gr".utf8) + [0xFC, 0xDF, 0x65] + Array("\r\n\r\nx".utf8))
        #expect(latin1.subject == "Grüße")
    }

    @Test("missing From, Message-ID and an unreadable Date are defects")
    func headerDefects() {
        let mail = parseMail("Subject: x\nDate: someday\n\nbody\n")
        #expect(mail.from == nil)
        #expect(mail.messageID == nil)
        #expect(mail.date == nil)
        #expect(mail.defects.count >= 3, "\(mail.defects)")
        let fine = parseMail("From: a@example.com\nMessage-ID: <x@y>\nDate: 1 Jan 2024 00:00 +0000\n\nbody\n")
        #expect(fine.defects.isEmpty, "\(fine.defects)")
    }
}

@Suite("MIME parser: encoded words")
struct EncodedWordTests {
    @Test("B and Q words, any charset case, underscores as spaces in Q", arguments: [
        ("=?UTF-8?B?Q2Fmw6k=?=", "Café"),
        ("=?utf-8?b?Q2Fmw6k=?=", "Café"),
        ("=?Utf-8?q?Caf=C3=A9_au_lait?=", "Café au lait"),
        ("=?iso-8859-1?Q?Fran=E7ois?=", "François"),
        ("=?ISO-8859-15?Q?=A4?=", "€"),
        ("=?windows-1252?Q?=93quoted=94?=", "\u{201C}quoted\u{201D}"),
        ("=?UTF-8?Q?a_b=5Fc?=", "a b_c"),
        ("=?UTF-8*en?Q?hello?=", "hello"),
    ])
    func decodesWords(input: String, expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    @Test("white space between adjacent encoded words goes; around plain text it stays")
    func adjacentWords() {
        #expect(EncodedWords.decode("=?UTF-8?Q?a?= =?UTF-8?Q?b?=") == "ab")
        #expect(EncodedWords.decode("=?UTF-8?Q?a?=\t  =?UTF-8?Q?b?=") == "ab")
        #expect(EncodedWords.decode("=?UTF-8?Q?a?= x =?UTF-8?Q?b?=") == "a x b")
        #expect(EncodedWords.decode("Re: =?UTF-8?Q?caf=C3=A9?= now") == "Re: café now")
        #expect(EncodedWords.decode("plain text only") == "plain text only")
    }

    @Test("a character split across adjacent words of the same charset is joined")
    func splitCharacter() {
        // "é" is C3 A9 in UTF-8: one byte per word.
        #expect(EncodedWords.decode("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=") == "café")
        #expect(EncodedWords.decode("=?UTF-8?B?w4k=?= =?UTF-8?B?w6k=?=") == "Éé")
    }

    @Test("malformed or unknown words stay as written", arguments: [
        "=?UTF-8?X?abc?=", "=?UTF-8?Q?unterminated", "=??Q?abc?=", "=?no-such-charset?Q?abc?=", "=?UTF-8?B?", "=?", "a =? b",
        "=?UTF-8?Q?=FF?=",
    ])
    func malformedWords(input: String) {
        #expect(EncodedWords.decode(input) == input)
    }

    @Test("encoding then decoding gives the text back", arguments: [
        "plain", "Grüße aus München", "日本語の件名とても長い件名がここに続きますので折り返しが必要になります", "emoji 📦✓", "=?looks?Q?encoded?=",
    ])
    func encodeRoundTrip(text: String) {
        let encoded = EncodedWords.encode(text)
        #expect(EncodedWords.decode(encoded.replacingOccurrences(of: "\r\n", with: "")) == text)
        for line in encoded.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 76) }
    }
}

@Suite("MIME parser: addresses, message ids, dates")
struct StructuredHeaderTests {
    @Test("address forms")
    func addresses() {
        let list = HeaderFields.addresses(
            #""Last, First" <first@example.com>, bare@example.com, <angle@example.com>, plain (Comment Name), Name <n@example.com>"#
                .replacingOccurrences(of: "plain", with: "plain@example.com"))
        #expect(list == [
            MailAddress(address: "first@example.com", name: "Last, First"),
            MailAddress(address: "bare@example.com"),
            MailAddress(address: "angle@example.com"),
            MailAddress(address: "plain@example.com", name: "Comment Name"),
            MailAddress(address: "n@example.com", name: "Name"),
        ])
    }

    @Test("groups keep their members; empty groups give nothing")
    func groups() {
        #expect(HeaderFields.addresses("undisclosed-recipients:;").isEmpty)
        #expect(HeaderFields.addresses("Team: a@example.com, \"B\" <b@example.com>;, c@example.com").map(\.address)
            == ["a@example.com", "b@example.com", "c@example.com"])
    }

    @Test("quoted names with escaped quotes, commas and encoded words")
    func quotedNames() {
        #expect(HeaderFields.addresses(#""Say \"hi\", please" <q@example.com>"#)
            == [MailAddress(address: "q@example.com", name: #"Say "hi", please"#)])
        #expect(HeaderFields.addresses("=?UTF-8?Q?Ren=C3=A9e?= <r@example.com>") == [MailAddress(address: "r@example.com", name: "Renée")])
        #expect(HeaderFields.addresses("\"=?UTF-8?Q?Ren=C3=A9e?=\" <r@example.com>").first?.name == "Renée")
        #expect(HeaderFields.addresses("not an address, <also-not>").isEmpty)
    }

    @Test("message id lists in any spacing, junk between ignored")
    func messageIDs() {
        #expect(HeaderFields.messageIDs("<a@b> <c@d>\t<e@f>") == ["<a@b>", "<c@d>", "<e@f>"])
        #expect(HeaderFields.messageIDs("<a@b>,<c@d> (comment) junk") == ["<a@b>", "<c@d>"])
        #expect(HeaderFields.messageIDs("<folded\n @id>") == ["<folded@id>"])
        #expect(HeaderFields.messageIDs("no brackets@here").isEmpty)
        #expect(HeaderFields.messageIDs("<>").isEmpty)
        #expect(HeaderFields.messageIDs(nil).isEmpty)
    }

    static func utc(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }

    @Test("dates: RFC 5322, obsolete zones, no weekday, no seconds, two-digit years", arguments: [
        ("Tue, 14 May 2024 11:12:40 +0200", "2024-05-14T09:12:40Z"),
        ("14 May 2024 11:12:40 -0130", "2024-05-14T12:42:40Z"),
        ("Tue, 14 May 2024 11:12 GMT", "2024-05-14T11:12:00Z"),
        ("Tue, 14 May 2024 04:12:40 PDT", "2024-05-14T11:12:40Z"),
        ("Tue, 14 May 2024 06:12:40 EST", "2024-05-14T11:12:40Z"),
        ("Tue, 14 May 24 11:12:40 UT", "2024-05-14T11:12:40Z"),
        ("Fri, 31 Dec 99 23:59:59 +0000", "1999-12-31T23:59:59Z"),
        ("Tue,  4 Jun 2024 09:00:00 +0000 (UTC)", "2024-06-04T09:00:00Z"),
        ("4 JUNE 2024 09:00:00 +0000", "2024-06-04T09:00:00Z"),
    ])
    func dates(input: String, expected: String) {
        #expect(HeaderFields.date(input) == Self.utc(expected))
    }

    @Test("unreadable dates give nil", arguments: [
        "", "yesterday", "32 May 2024 10:00:00 +0000", "14 Foo 2024 10:00 +0000", "14 May 2024 25:00 +0000", "14 May 2024",
        "14 May 99999999999999999999 10:00 +0000", "14 May 9223372036854775807 10:00 +0000",
    ])
    func badDates(input: String) {
        #expect(HeaderFields.date(input) == nil)
    }

    @Test("content type parameters: quoted, unquoted, comments, case")
    func contentTypeParameters() {
        let (type, parameters) = HeaderFields.contentType(#"Multipart/Mixed; Boundary="a;b=c" (comment); charset=UTF-8; name="x \"y\".pdf""#)
        #expect(type == "multipart/mixed")
        #expect(parameters["boundary"] == "a;b=c")
        #expect(parameters["charset"] == "UTF-8")
        #expect(parameters["name"] == #"x "y".pdf"#)
        #expect(HeaderFields.contentType(nil).type == "text/plain")
        #expect(HeaderFields.contentType("garbage").type == "text/plain")
    }

    @Test("RFC 2231: charset and language, continuations in order, mixed encoded and plain pieces")
    func rfc2231() {
        #expect(HeaderFields.disposition("attachment; filename*=UTF-8''na%C3%AFve%20file.txt").parameters["filename"] == "naïve file.txt")
        #expect(HeaderFields.disposition("attachment; filename*=iso-8859-1'fr'r%E9sum%E9.pdf").parameters["filename"] == "résumé.pdf")
        let pieces = #"attachment; filename*1="two "; filename*0*=UTF-8''one%20; filename*2*=thr%C3%A9e"#
        #expect(HeaderFields.disposition(pieces).parameters["filename"] == "one two thrée")
        #expect(HeaderFields.disposition(pieces).kind == "attachment")
    }
}

@Suite("MIME parser: transfer encodings and HTML")
struct TransferEncodingTests {
    static func qp(_ text: String) -> (String, [String]) {
        var defects: [String] = []
        let data = TransferEncoding.quotedPrintable(Array(text.utf8)[...], defects: &defects)
        return (String(decoding: data, as: UTF8.self), defects)
    }

    static func base64(_ text: String) -> ([UInt8], [String]) {
        var defects: [String] = []
        return ([UInt8](TransferEncoding.base64(Array(text.utf8)[...], defects: &defects)), defects)
    }

    @Test("quoted-printable: escapes in either case, soft breaks with CRLF, LF or trailing blanks")
    func quotedPrintable() {
        #expect(Self.qp("a=3Db=3db").0 == "a=b=b")
        #expect(Self.qp("a=3Db=3db").1.isEmpty)
        #expect(Self.qp("long=\r\nline=\nagain= \t\r\nend").0 == "longlineagainend")
        #expect(Self.qp("long=\r\nline=\nagain= \t\r\nend").1.isEmpty)
        #expect(Self.qp("caf=C3=A9").0 == "café")
        #expect(Self.qp("caf=C3=A9").1.isEmpty)
        #expect(Self.qp("trailing=").0 == "trailing")
    }

    @Test("quoted-printable: bad escapes stay as written and are noted")
    func badQuotedPrintable() {
        let (zz, zzDefects) = Self.qp("a=ZZb")
        #expect(zz == "a=ZZb")
        #expect(!zzDefects.isEmpty)
        let (half, halfDefects) = Self.qp("x=4")
        #expect(half == "x=4")
        #expect(!halfDefects.isEmpty)
    }

    @Test("base64: line breaks and blanks ignored, URL-safe alphabet accepted")
    func base64() {
        #expect(Self.base64("SGVs\r\nbG8g\n V29y bGQ=").0 == Array("Hello World".utf8))
        #expect(Self.base64("SGVs\r\nbG8g\n V29y bGQ=").1.isEmpty)
        #expect(Self.base64("-_-_").0 == [0xFB, 0xFF, 0xBF])
        #expect(Self.base64("-_-_").1.isEmpty)
        #expect(Self.base64("").0 == [])
        #expect(Self.base64("").1.isEmpty)
    }

    @Test("base64: stray characters noted, missing padding tolerated, each padded chunk decoded on its own")
    func badBase64() {
        let (stray, strayDefects) = Self.base64("SGVs!bG8*")
        #expect(stray == Array("Hello".utf8))
        #expect(!strayDefects.isEmpty)
        #expect(Self.base64("SGk").0 == Array("Hi".utf8))
        // Two separately padded pieces, as some senders concatenate them.
        #expect(Self.base64("SGk=SGk=").0 == Array("HiHi".utf8))
        #expect(Self.base64("QQ==QUJD").0 == Array("AABC".utf8))
        let (truncated, truncatedDefects) = Self.base64("SGVsbG8hQ")
        #expect(truncated == Array("Hello!".utf8))
        #expect(!truncatedDefects.isEmpty)
    }

    @Test("charsets: known ones decode, unknown ones fall back and are noted")
    func charsets() {
        var defects: [String] = []
        #expect(TransferEncoding.text(Data([0xE9]), charset: "ISO-8859-1", defects: &defects) == "é")
        #expect(TransferEncoding.text(Data([0x80]), charset: "windows-1252", defects: &defects) == "€")
        #expect(TransferEncoding.text(Data([0xC1, 0xC2]), charset: "KOI8-R", defects: &defects) == "аб")
        #expect(defects.isEmpty)
        #expect(TransferEncoding.text(Data("ü".utf8), charset: "x-unknown", defects: &defects) == "ü")
        #expect(defects.count == 1)
        #expect(TransferEncoding.text(Data([0xFC]), charset: "utf-8", defects: &defects) == "ü")
        #expect(defects.count == 2)
    }

    @Test("HTML to text: blocks break lines, entities decode, script, style and head go")
    func htmlText() {
        let html = """
            <html><head><title>T</title><style>p{}</style></head><body>
            <p>One&nbsp;&amp;&#32;two</p><p>Three<br>Four<br/>&lt;five&gt; &euro;&#x20AC; &unknown; &amp</p>
            <script>alert("<p>no</p>")</script><div>Six   seven</div>
            </body></html>
            """
        #expect(HTMLText.plainText(fromHTML: html) == "One & two\n\nThree\nFour\n<five> €€ &unknown; &amp\n\nSix seven")
        #expect(HTMLText.plainText(fromHTML: "a < b and c > d") == "a < b and c > d")
        #expect(HTMLText.plainText(fromHTML: "1 < 2") == "1 < 2")
        #expect(HTMLText.plainText(fromHTML: "") == "")
        #expect(HTMLText.plainText(fromHTML: "<p>a source line\nwrapped</p>") == "a source line wrapped")
    }

    @Test("HTML to text stays linear on many unclosed tags")
    func htmlUnclosedTags() {
        let html = String(repeating: "<", count: 200_000) + "x"
        #expect(HTMLText.plainText(fromHTML: html).count == 200_001)
    }
}
