import Foundation

/// RFC 2047 encoded words in header values.
public enum EncodedWords {
    /// Decodes `=?charset?B|Q?text?=` words in any charset Foundation knows, joining adjacent words separated only
    /// by white space. A word that cannot be decoded stays as written.
    public static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var output = ""
        var rest = Substring(value)
        var pendingSpace = ""
        var lastWasEncoded = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            guard let decoded = decodeWord(at: start.lowerBound, in: rest) else {
                output += pendingSpace + before + "=?"
                pendingSpace = ""
                lastWasEncoded = false
                rest = rest[start.upperBound...]
                continue
            }
            // White space between two encoded words is dropped (RFC 2047 6.2).
            if !(lastWasEncoded && before.allSatisfy(\.isWhitespace)) { output += pendingSpace + before }
            output += decoded.text
            pendingSpace = ""
            lastWasEncoded = true
            rest = rest[decoded.end...]
        }
        return output + pendingSpace + rest
    }

    private static func decodeWord(at start: Substring.Index, in text: Substring) -> (text: String, end: Substring.Index)? {
        let body = text[text.index(start, offsetBy: 2)...]
        let fields = body.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, fields[3].hasPrefix("="), !fields[0].isEmpty, fields[1].count == 1 else { return nil }
        var charset = String(fields[0])
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 language
        let payload = Array(fields[2].utf8)
        var defects: [String] = []
        let bytes: Data
        switch fields[1].uppercased() {
        case "B": bytes = TransferEncoding.base64(payload[...], defects: &defects)
        case "Q": bytes = TransferEncoding.quotedPrintable(payload.map { $0 == UInt8(ascii: "_") ? 32 : $0 }[...], defects: &defects)
        default: return nil
        }
        guard let encoding = TransferEncoding.encoding(named: charset), let decoded = String(data: bytes, encoding: encoding) else {
            return nil
        }
        return (decoded, text.index(fields[3].startIndex, offsetBy: 1))
    }

    /// The value as RFC 2047 B words (UTF-8) when it is not plain printable ASCII, each word at most 75 characters.
    public static func encode(_ value: String) -> String {
        if value.utf8.allSatisfy({ (32...126).contains($0) }), !value.contains("=?") { return value }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            // 45 bytes make 60 base64 characters: with `=?UTF-8?B?` and `?=` a word stays within 75.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }
}

/// Readable text from HTML, for messages that have no plain-text part.
public enum HTMLText {
    static let blocks: Set<String> = ["p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "hr"]
    static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®", "eacute": "é",
        "egrave": "è", "agrave": "à", "ccedil": "ç", "uuml": "ü", "ouml": "ö", "auml": "ä", "szlig": "ß", "euro": "€",
        "hellip": "…", "mdash": "—", "ndash": "–", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“",
    ]

    /// Drops script, style and head, breaks lines at block elements, decodes entities, collapses white space.
    public static func plainText(fromHTML html: String) -> String {
        var output = ""
        var index = html.startIndex
        var skipping: String?
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = html[html.index(after: index)..<close]
                let closing = tag.hasPrefix("/")
                let name = tag.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber }).lowercased()
                if let skipped = skipping {
                    if closing, name == skipped { skipping = nil }
                } else if ["script", "style", "head", "title"].contains(name), !closing, !tag.hasSuffix("/") {
                    skipping = name
                } else if blocks.contains(name) {
                    output += "\n"
                }
                index = html.index(after: close)
                continue
            }
            if skipping == nil { output.append(character) }
            index = html.index(after: index)
        }
        return collapse(decodeEntities(output))
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semicolon = after.prefix(12).firstIndex(of: ";") {
                let name = after[..<semicolon]
                var replacement: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if name.hasPrefix("#") {
                    replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    replacement = entities[String(name).lowercased()]
                }
                if let replacement {
                    output += replacement
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            output += "&"
            rest = after
        }
        return output + rest
    }

    /// Spaces collapsed within lines, blank lines collapsed to one, ends trimmed.
    static func collapse(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = line.split(whereSeparator: { $0.isWhitespace })
            let joined = words.joined(separator: " ")
            if joined.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(joined)
        }
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
