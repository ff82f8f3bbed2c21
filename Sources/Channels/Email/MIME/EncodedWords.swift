import Foundation

/// RFC 2047 encoded words in header values.
public enum EncodedWords {
    /// Decodes `=?charset?B|Q?text?=` words in any charset Foundation knows, joining adjacent words separated only
    /// by white space. A word that cannot be decoded stays as written.
    public static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var output = ""
        var rest = Substring(value)
        // Adjacent words in one charset are decoded as one: senders split multi-byte characters across words.
        var run: [(separator: Substring, word: Word)] = []
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            guard let word = word(at: start.lowerBound, in: rest) else {
                output += decode(run) + before + "=?"
                run = []
                rest = rest[start.upperBound...]
                continue
            }
            // White space between two encoded words is dropped (RFC 2047 6.2).
            let adjacent = !run.isEmpty && before.allSatisfy(\.isWhitespace)
            if adjacent, run.last?.word.charset == word.charset {
                run.append((before, word))
            } else {
                output += decode(run) + (adjacent ? "" : before)
                run = [("", word)]
            }
            rest = rest[word.text.endIndex...]
        }
        return output + decode(run) + rest
    }

    struct Word {
        /// The word as written.
        var text: Substring
        /// Lowercased, without an RFC 2231 language.
        var charset: String
        var encoding: String.Encoding
        var bytes: Data
    }

    /// A run of adjacent words in one charset: decoded together, else one by one, a word that fails kept as written
    /// with the white space around it.
    private static func decode(_ run: [(separator: Substring, word: Word)]) -> String {
        guard let first = run.first?.word else { return "" }
        if let text = String(data: run.reduce(into: Data()) { $0 += $1.word.bytes }, encoding: first.encoding) { return text }
        var output = ""
        var previousDecoded = false
        for (index, (separator, word)) in run.enumerated() {
            let decoded = String(data: word.bytes, encoding: word.encoding)
            if index > 0, !(previousDecoded && decoded != nil) { output += separator }
            output += decoded ?? String(word.text)
            previousDecoded = decoded != nil
        }
        return output
    }

    private static func word(at start: Substring.Index, in text: Substring) -> Word? {
        let body = text[text.index(start, offsetBy: 2)...]
        let fields = body.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, fields[3].hasPrefix("="), !fields[0].isEmpty, fields[1].count == 1 else { return nil }
        var charset = String(fields[0]).lowercased()
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }  // RFC 2231 language
        let payload = Array(fields[2].utf8)
        var defects: [String] = []
        let bytes: Data
        switch fields[1].uppercased() {
        case "B": bytes = TransferEncoding.base64(payload[...], defects: &defects)
        case "Q": bytes = TransferEncoding.quotedPrintable(payload.map { $0 == UInt8(ascii: "_") ? 32 : $0 }[...], defects: &defects)
        default: return nil
        }
        guard let encoding = TransferEncoding.encoding(named: charset) else { return nil }
        return Word(text: text[start..<text.index(fields[3].startIndex, offsetBy: 1)], charset: charset, encoding: encoding, bytes: bytes)
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
        // Once no `>` follows, none follows any later `<` either: searching again would make this quadratic.
        var closeRemains = true
        while index < html.endIndex {
            let character = html[index]
            let next = html.index(after: index) < html.endIndex ? html[html.index(after: index)] : " "
            // As in HTML, `<` opens a tag only before a letter, `/`, `!` or `?`; otherwise it is text.
            if character == "<", closeRemains, next.isLetter || "/!?".contains(next) {
                guard let close = html[index...].firstIndex(of: ">") else {
                    closeRemains = false
                    continue
                }
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
            // Line breaks in the source are white space in HTML; only block elements break lines.
            if skipping == nil { output.append(character.isNewline ? " " : character) }
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
