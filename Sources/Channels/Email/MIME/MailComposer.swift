import Foundation

/// Builds an outgoing RFC 5322 message: CRLF line endings, folded headers, quoted-printable UTF-8 bodies.
public struct MailComposer {
    /// What the message says and whom it threads under.
    public struct Message: Sendable {
        public var from: MailAddress
        public var to: [MailAddress]
        public var cc: [MailAddress] = []
        public var subject: String
        /// `<...>`.
        public var messageID: String
        public var inReplyTo: String?
        public var references: [String] = []
        public var date: Date
        public var text: String
        /// When set, the body is multipart/alternative with the text first.
        public var html: String?
        public var extraHeaders: [MailHeader] = []

        public init(from: MailAddress, to: [MailAddress], subject: String, messageID: String, date: Date, text: String) {
            self.from = from
            self.to = to
            self.subject = subject
            self.messageID = messageID
            self.date = date
            self.text = text
        }
    }

    public static func compose(_ message: Message) -> [UInt8] {
        var head: [String] = []
        head.append(field("From", mailbox(message.from)))
        head.append(field("To", message.to.map(mailbox).joined(separator: ", ")))
        if !message.cc.isEmpty { head.append(field("Cc", message.cc.map(mailbox).joined(separator: ", "))) }
        head.append("Subject: " + EncodedWords.encode(message.subject))
        head.append(field("Date", rfc5322Date(message.date)))
        head.append(field("Message-ID", message.messageID))
        if let inReplyTo = message.inReplyTo { head.append(field("In-Reply-To", inReplyTo)) }
        if !message.references.isEmpty { head.append(field("References", message.references.joined(separator: " "))) }
        for extra in message.extraHeaders { head.append(field(extra.name, extra.value)) }
        head.append("MIME-Version: 1.0")
        var body: [String]
        if let html = message.html {
            let boundary = "=_sb_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            head.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body = ["--\(boundary)"] + part("text/plain", message.text) + ["--\(boundary)"] + part("text/html", html)
                + ["--\(boundary)--"]
        } else {
            let single = part("text/plain", message.text)
            head += single.prefix(2)
            body = Array(single.dropFirst(3))
        }
        return Array((head + [""] + body).joined(separator: "\r\n").utf8) + [13, 10]
    }

    /// A body part's two headers, a blank line, and its encoded lines.
    static func part(_ type: String, _ content: String) -> [String] {
        let lines = content.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        let plain = content.utf8.allSatisfy { $0 < 128 && $0 != 13 } && lines.allSatisfy { $0.utf8.count <= 76 }
        if plain {
            return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: 7bit", ""] + lines.map(String.init)
        }
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: quoted-printable", ""]
            + lines.flatMap { quotedPrintable(Array($0.utf8)) }
    }

    /// One line of text as quoted-printable lines of at most 76 characters (soft breaks between them).
    static func quotedPrintable(_ bytes: [UInt8]) -> [String] {
        var lines: [String] = []
        var current = ""
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let literal = (33...126).contains(byte) && byte != UInt8(ascii: "=") || ((byte == 32 || byte == 9) && !isLast)
            let encoded = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
            if current.count + encoded.count > 75 {
                lines.append(current + "=")
                current = ""
            }
            current += encoded
        }
        lines.append(current)
        return lines
    }

    static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.name, !name.isEmpty else { return address.address }
        if name.utf8.allSatisfy({ (32...126).contains($0) }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let needsQuotes = escaped.contains(where: { "()<>[]:;@\\,.\"".contains($0) })
            return (needsQuotes ? "\"\(escaped)\"" : escaped) + " <\(address.address)>"
        }
        return EncodedWords.encode(name) + " <\(address.address)>"
    }

    /// `Name: value`, folded at spaces to stay near 78 characters.
    static func field(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.count + 1 + word.count > 78, current.count > name.count + 1 {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
