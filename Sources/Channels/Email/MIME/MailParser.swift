import Foundation

/// Parses real-world mail: never throws, never loses the message. Works on bytes; nesting is capped.
public enum MailParser {
    static let maxDepth = 50

    public static func parse(_ data: Data) -> ParsedMail { parse([UInt8](data)) }

    public static func parse(_ bytes: [UInt8]) -> ParsedMail {
        var mail = ParsedMail()
        let (headers, bodyStart, headerDefects) = splitHeaders(bytes[...])
        mail.headers = headers
        mail.defects = headerDefects
        let ids = HeaderFields.messageIDs(mail.header("Message-ID"))
        mail.messageID = ids.first
        if mail.messageID == nil { mail.defects.append("no Message-ID") }
        mail.inReplyTo = HeaderFields.messageIDs(mail.header("In-Reply-To"))
        mail.references = HeaderFields.messageIDs(mail.header("References"))
        mail.from = HeaderFields.addresses(mail.header("From")).first
        mail.replyTo = HeaderFields.addresses(mail.header("Reply-To"))
        mail.to = HeaderFields.addresses(mail.header("To"))
        mail.cc = HeaderFields.addresses(mail.header("Cc"))
        mail.subject = mail.header("Subject").map { EncodedWords.decode($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        mail.date = HeaderFields.date(mail.header("Date"))
        if mail.from == nil { mail.defects.append("no From") }
        if mail.date == nil { mail.defects.append(mail.header("Date") == nil ? "no Date" : "unreadable Date") }
        mail.autoSubmitted = autoSubmission(mail)
        var walker = Walker()
        walker.walk(headers: headers, body: bytes[bodyStart...], depth: 0)
        // Trailing line breaks are transport, not text; CRLF or LF is the sender's choice, so both read as LF.
        mail.text = (walker.text ?? walker.html.map(HTMLText.plainText) ?? "").normalizingLineBreaks().trimmingTrailingNewlines()
        mail.html = walker.html?.normalizingLineBreaks().trimmingTrailingNewlines()
        mail.attachments = walker.attachments
        mail.defects += walker.defects
        return mail
    }

    static func autoSubmission(_ mail: ParsedMail) -> AutoSubmission? {
        if let value = mail.header("Auto-Submitted")?.lowercased(), !value.hasPrefix("no") { return .autoSubmitted }
        if let value = mail.header("Precedence")?.lowercased().trimmingCharacters(in: .whitespaces),
            ["bulk", "junk", "list"].contains(value) { return .precedence }
        for name in ["X-Autoreply", "X-Autorespond"] {
            if let value = mail.header(name)?.lowercased().trimmingCharacters(in: .whitespaces), value != "no", value != "false" {
                return .autoReplyHeader
            }
        }
        let (type, parameters) = HeaderFields.contentType(mail.header("Content-Type"))
        if type == "multipart/report", parameters["report-type"]?.lowercased() == "delivery-status" { return .deliveryReport }
        return nil
    }

    /// Header fields (unfolded; values decoded as UTF-8, else ISO-8859-1), where the body starts, and what was wrong.
    static func splitHeaders(_ bytes: ArraySlice<UInt8>) -> (headers: [MailHeader], bodyStart: Int, defects: [String]) {
        var headers: [MailHeader] = []
        // The first line that is not a header field, and how many fields came before it.
        var stray: (start: Int, headerCount: Int)?
        func append(_ line: ArraySlice<UInt8>) -> Bool {
            var line = line
            while let last = line.last, last == 13 || last == 10 { line = line.dropLast() }
            guard !line.isEmpty else { return true }
            if line.first == 32 || line.first == 9, !headers.isEmpty {
                headers[headers.count - 1].value += " " + decodeHeaderBytes(line).trimmingCharacters(in: .whitespaces)
                return true
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return false }
            let name = decodeHeaderBytes(line[..<colon]).trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else { return false }
            headers.append(MailHeader(name: name, value: decodeHeaderBytes(line[(colon + 1)...]).trimmingCharacters(in: .whitespaces)))
            return true
        }
        var lineStart = bytes.startIndex
        while lineStart < bytes.endIndex {
            let newline = bytes[lineStart...].firstIndex(of: 10)
            let line = bytes[lineStart..<(newline ?? bytes.endIndex)]
            if let newline, line.isEmpty || (line.count == 1 && line.first == 13) {
                return (headers, newline + 1, stray == nil ? [] : ["header line without a colon"])
            }
            if !append(line), stray == nil { stray = (lineStart, headers.count) }
            lineStart = newline.map { $0 + 1 } ?? bytes.endIndex
        }
        // No blank line: the body starts at the first line that is not a header field rather than being lost.
        if let stray { return (Array(headers.prefix(stray.headerCount)), stray.start, ["no blank line after the header fields"]) }
        return (headers, bytes.endIndex, [])
    }

    static func decodeHeaderBytes(_ bytes: ArraySlice<UInt8>) -> String {
        String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
    }
}

/// Walks a MIME tree, choosing the bodies and collecting the attachments.
struct Walker {
    var text: String?
    var html: String?
    var attachments: [MailAttachment] = []
    var defects: [String] = []

    mutating func walk(headers: [MailHeader], body: ArraySlice<UInt8>, depth: Int) {
        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        let (type, parameters) = HeaderFields.contentType(header("Content-Type"))
        let (disposition, dispositionParameters) = HeaderFields.disposition(header("Content-Disposition"))
        if type.hasPrefix("multipart/") {
            guard depth < MailParser.maxDepth else {
                defects.append("multipart nested deeper than \(MailParser.maxDepth)")
                return
            }
            guard let boundary = parameters["boundary"], !boundary.isEmpty else {
                defects.append("multipart without a boundary")
                leaf(type: "text/plain", parameters: [:], disposition: nil, dispositionParameters: [:], headers: headers, body: body)
                return
            }
            let found = parts(body, boundary: boundary)
            if found.isEmpty {
                // No boundary line at all: keep what there is as text rather than lose it.
                leaf(type: "text/plain", parameters: [:], disposition: nil, dispositionParameters: [:], headers: [], body: body)
                return
            }
            for part in found {
                let (partHeaders, start, partDefects) = MailParser.splitHeaders(part)
                defects += partDefects
                walk(headers: partHeaders, body: part[start...], depth: depth + 1)
            }
            return
        }
        leaf(type: type, parameters: parameters, disposition: disposition, dispositionParameters: dispositionParameters, headers: headers, body: body)
    }

    private mutating func leaf(
        type: String, parameters: [String: String], disposition: String?, dispositionParameters: [String: String],
        headers: [MailHeader], body: ArraySlice<UInt8>
    ) {
        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
        let encoding = header("Content-Transfer-Encoding")?.lowercased().trimmingCharacters(in: .whitespaces) ?? "7bit"
        let data: Data
        switch encoding {
        case "base64": data = TransferEncoding.base64(body, defects: &defects)
        case "quoted-printable": data = TransferEncoding.quotedPrintable(body, defects: &defects)
        default: data = Data(body)
        }
        let filename = (dispositionParameters["filename"] ?? parameters["name"]).map(EncodedWords.decode)
        let isAttachment = disposition == "attachment" || (filename != nil && disposition != "inline" && !type.hasPrefix("text/"))
        if !isAttachment, type == "text/plain", text == nil {
            text = TransferEncoding.text(data, charset: parameters["charset"], defects: &defects)
            return
        }
        if !isAttachment, type == "text/html", html == nil {
            html = TransferEncoding.text(data, charset: parameters["charset"], defects: &defects)
            return
        }
        var name = filename
        if name == nil, type == "message/rfc822" {
            // Only the inner headers: parsing the whole inner message would recurse once per nested message.
            let innerHeaders = MailParser.splitHeaders([UInt8](data)[...]).headers
            let subject = innerHeaders.first { $0.name.caseInsensitiveCompare("Subject") == .orderedSame }
                .map { EncodedWords.decode($0.value).trimmingCharacters(in: .whitespacesAndNewlines) }
            name = (subject.map { $0.isEmpty ? "message" : $0 } ?? "message") + ".eml"
        }
        let contentID = header("Content-ID").map { $0.trimmingCharacters(in: .whitespaces) }
        attachments.append(MailAttachment(
            filename: name, contentType: type, contentID: contentID, isInline: disposition == "inline" || (disposition == nil && contentID != nil),
            data: data))
    }

    /// The body parts between `--boundary` lines; a missing closing boundary ends the last part at the end.
    private mutating func parts(_ body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let marker = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        var closed = false
        while lineStart < body.endIndex {
            let newline = body[lineStart...].firstIndex(of: 10) ?? body.endIndex
            let line = body[lineStart..<newline]
            if line.starts(with: marker) {
                let rest = line.dropFirst(marker.count)
                let isClose = rest.starts(with: [45, 45])
                let restIsBlank = rest.drop(while: { $0 == 45 }).allSatisfy { $0 == 32 || $0 == 9 || $0 == 13 }
                if restIsBlank {
                    if let start = partStart {
                        // The line break before a boundary belongs to the boundary.
                        var end = lineStart
                        if end > start, body[end - 1] == 10 { end -= 1 }
                        if end > start, body[end - 1] == 13 { end -= 1 }
                        parts.append(body[start..<end])
                    }
                    if isClose {
                        closed = true
                        break
                    }
                    partStart = newline < body.endIndex ? newline + 1 : body.endIndex
                }
            }
            lineStart = newline < body.endIndex ? newline + 1 : body.endIndex
        }
        if !closed {
            defects.append("multipart without its closing boundary")
            if let start = partStart { parts.append(body[start...]) }
        }
        return parts
    }
}

extension String {
    /// CRLF and lone CR as LF.
    func normalizingLineBreaks() -> String {
        guard unicodeScalars.contains("\r") else { return self }
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in unicodeScalars {
            if scalar == "\n", previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = scalar == "\r"
            scalars.append(previousWasCR ? "\n" : scalar)
        }
        return String(scalars)
    }

    func trimmingTrailingNewlines() -> String {
        var end = endIndex
        while end > startIndex, let previous = self[..<end].last, previous == "\n" || previous == "\r" || previous == "\r\n" {
            end = index(before: end)
        }
        return String(self[..<end])
    }
}
