import Foundation

/// Parsers for structured header values: parameters, address lists, message ids, dates.
enum HeaderFields {
    /// `type/subtype; name=value; ...` with quoted values, comments and RFC 2231 (`name*=charset''x`, `name*0*=`).
    static func contentType(_ value: String?) -> (type: String, parameters: [String: String]) {
        guard let value else { return ("text/plain", [:]) }
        let parts = splitParameters(value)
        let type = (parts.first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        return (type.contains("/") ? type : "text/plain", parameters(Array(parts.dropFirst())))
    }

    /// `inline; filename=...` as a disposition and its parameters.
    static func disposition(_ value: String?) -> (kind: String?, parameters: [String: String]) {
        guard let value else { return (nil, [:]) }
        let parts = splitParameters(value)
        return (parts.first?.trimmingCharacters(in: .whitespaces).lowercased(), parameters(Array(parts.dropFirst())))
    }

    /// Splits on `;` outside quotes, dropping comments.
    static func splitParameters(_ value: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var comment = 0
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted {
                if character == "\\" { escaped = true } else if character == "\"" { quoted = false }
                current.append(character)
            } else if comment > 0 {
                if character == "(" { comment += 1 } else if character == ")" { comment -= 1 }
            } else if character == "(" {
                comment = 1
            } else if character == "\"" {
                quoted = true
                current.append(character)
            } else if character == ";" {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    static func parameters(_ parts: [String]) -> [String: String] {
        var plain: [String: String] = [:]
        var extended: [String: [(index: Int, encoded: Bool, value: String)]] = [:]
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { continue }
            var name = part[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            guard name.contains("*") else {
                plain[name] = value
                continue
            }
            let encoded = name.hasSuffix("*")
            if encoded { name.removeLast() }
            var index = 0
            if let star = name.firstIndex(of: "*") {
                index = Int(name[name.index(after: star)...]) ?? 0
                name = String(name[..<star])
            }
            extended[name, default: []].append((index, encoded, value))
        }
        for (name, pieces) in extended {
            var charset = "utf-8"
            var bytes: [UInt8] = []
            for (position, piece) in pieces.sorted(by: { $0.index < $1.index }).enumerated() {
                var value = Substring(piece.value)
                if piece.encoded, position == 0 {
                    let fields = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if fields.count == 3 {
                        charset = fields[0].isEmpty ? "utf-8" : String(fields[0])
                        value = fields[2]
                    }
                }
                bytes += piece.encoded ? percentDecoded(value) : Array(value.utf8)
            }
            var ignored: [String] = []
            plain[name] = TransferEncoding.text(Data(bytes), charset: charset, defects: &ignored)
        }
        return plain
    }

    static func percentDecoded(_ value: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        let utf8 = Array(value.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = TransferEncoding.hex(utf8[index + 1]), let low = TransferEncoding.hex(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return bytes
    }

    /// Every `<...>` in a header (In-Reply-To, References, Message-ID), whitespace removed inside.
    static func messageIDs(_ value: String?) -> [String] {
        guard let value else { return [] }
        var ids: [String] = []
        var current: String?
        for character in value {
            if character == "<" {
                current = ""
            } else if character == ">", let id = current {
                if !id.isEmpty, id.count <= 998 { ids.append("<\(id)>") }
                current = nil
            } else if current != nil, !character.isWhitespace {
                current?.append(character)
            }
        }
        return ids
    }

    /// An address list: `Name <a@b>`, `a@b (comment)`, `"Last, First" <a@b>`, groups `team: a@b, c@d;`.
    static func addresses(_ value: String?) -> [MailAddress] {
        guard let value else { return [] }
        var result: [MailAddress] = []
        for item in splitAddressList(value) {
            var text = item.trimmingCharacters(in: .whitespaces)
            // A group's name goes; its members stay.
            if let colon = colonOutsideQuotes(text) { text = String(text[text.index(after: colon)...]) }
            text = text.trimmingCharacters(in: CharacterSet(charactersIn: "; \t"))
            guard !text.isEmpty else { continue }
            if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
                let address = String(text[text.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
                var name = String(text[..<open]).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 {
                    name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                        .replacingOccurrences(of: "\\\\", with: "\\")
                }
                name = EncodedWords.decode(name).trimmingCharacters(in: .whitespaces)
                if address.contains("@") { result.append(MailAddress(address: address, name: name.isEmpty ? nil : name)) }
            } else {
                var address = text
                var name: String?
                if let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close {
                    name = EncodedWords.decode(String(text[text.index(after: open)..<close]))
                    address = String(text[..<open]) + String(text[text.index(after: close)...])
                }
                address = address.trimmingCharacters(in: .whitespaces)
                if address.contains("@"), !address.contains(" ") { result.append(MailAddress(address: address, name: name)) }
            }
        }
        return result
    }

    private static func splitAddressList(_ value: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        var angle = false
        var comment = 0
        var escaped = false
        for character in value {
            if escaped {
                escaped = false
            } else if quoted {
                if character == "\\" { escaped = true } else if character == "\"" { quoted = false }
            } else if comment > 0 {
                if character == "(" { comment += 1 } else if character == ")" { comment -= 1 }
            } else if character == "\"" {
                quoted = true
            } else if character == "(" {
                comment = 1
            } else if character == "<" {
                angle = true
            } else if character == ">" {
                angle = false
            } else if (character == "," || character == ";") && !angle {
                items.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        items.append(current)
        return items
    }

    private static func colonOutsideQuotes(_ text: String) -> String.Index? {
        var quoted = false
        for index in text.indices {
            let character = text[index]
            if character == "\"" { quoted.toggle() }
            if character == "<" { return nil }
            if character == ":", !quoted { return index }
        }
        return nil
    }

    static let zones: [String: Int] = [
        "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
        "PDT": -7, "CET": 1, "CEST": 2, "BST": 1,
    ]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// RFC 5322 dates and their obsolete forms: optional weekday, two-digit years, named zones, no seconds.
    static func date(_ value: String?) -> Date? {
        guard var text = value else { return nil }
        if let open = text.firstIndex(of: "(") { text = String(text[..<open]) }
        if let comma = text.firstIndex(of: ",") { text = String(text[text.index(after: comma)...]) }
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard tokens.count >= 4, let day = Int(tokens[0]),
            let month = months.firstIndex(of: String(tokens[1].prefix(3)).lowercased()), var year = Int(tokens[2])
        else { return nil }
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        let clock = tokens[3].split(separator: ":").map { Int($0) }
        guard clock.count >= 2, let hour = clock[0], let minute = clock[1] else { return nil }
        let second = clock.count > 2 ? (clock[2] ?? 0) : 0
        var offsetMinutes = 0
        if tokens.count > 4 {
            let zone = tokens[4]
            if let sign = zone.first, sign == "+" || sign == "-", let digits = Int(zone.dropFirst()), zone.count == 5 {
                offsetMinutes = (digits / 100 * 60 + digits % 100) * (sign == "-" ? -1 : 1)
            } else if let hours = zones[zone.uppercased()] {
                offsetMinutes = hours * 60
            }
        }
        var components = DateComponents()
        components.year = year
        components.month = month + 1
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        components.timeZone = TimeZone(secondsFromGMT: 0)
        // Mail carries no years beyond 1...9999; bounding them keeps Calendar's arithmetic in range.
        guard (1...9999).contains(year), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second),
            let date = Calendar(identifier: .gregorian).date(from: components)
        else { return nil }
        return date.addingTimeInterval(TimeInterval(-offsetMinutes * 60))
    }
}
