/// A command line from an SMTP client, parsed and validated (RFC 5321 §4.1).
///
/// Parsing works on bytes: a line that is not valid UTF-8 or carries control characters
/// in an address is a syntax error, never a crash.
enum SMTPCommand: Sendable, Equatable {
    /// EHLO (`extended`) or HELO with the client's claimed name.
    case hello(domain: String, extended: Bool)
    /// MAIL FROM; `sender` is nil for the null reverse-path `<>`. `declaredSize` is the SIZE= parameter.
    case mail(sender: String?, declaredSize: Int?)
    /// RCPT TO with the address as written, without angle brackets or source route.
    case recipient(String)
    case data
    case reset
    case noop
    case quit
    case verify
    case help
    /// A verb from the SMTP family that this server does not offer (EXPN, STARTTLS, AUTH, BDAT, ...).
    case notImplemented(verb: String)
}

/// Why a command line could not be turned into an ``SMTPCommand``.
enum SMTPCommandParseFailure: Error, Equatable {
    /// The verb is not an SMTP command at all (500).
    case unrecognised
    /// The verb is known but its arguments are malformed (501).
    case syntax(String)
    /// MAIL/RCPT carried a parameter that was not advertised (555).
    case unsupportedParameter(String)
}

extension SMTPCommand {
    /// The longest reverse- or forward-path accepted, in octets (RFC 5321 §4.5.3.1.3).
    static let maxPathLength = 256

    /// Verbs that exist in SMTP but are deliberately not offered; they get 502 rather than 500.
    private static let notImplementedVerbs: Set<String> = [
        "EXPN", "STARTTLS", "AUTH", "BDAT", "TURN", "ETRN", "ATRN", "SEND", "SOML", "SAML",
    ]

    /// Parses one command line; `line` excludes the line terminator.
    static func parse(_ line: ArraySlice<UInt8>) -> Result<SMTPCommand, SMTPCommandParseFailure> {
        let space = UInt8(ascii: " ")
        let verbEnd = line.firstIndex(of: space) ?? line.endIndex
        let verbBytes = line[line.startIndex..<verbEnd]
        // Verbs are short ASCII words; anything else cannot be a command.
        guard !verbBytes.isEmpty, verbBytes.count <= 10,
            verbBytes.allSatisfy({ isASCIILetter($0) })
        else { return .failure(.unrecognised) }
        let verb = String(decoding: verbBytes.map { $0 & 0xDF }, as: UTF8.self)  // upper-case ASCII letters
        guard let argumentText = String(validating: line[verbEnd...], as: UTF8.self) else {
            return .failure(.syntax("Invalid characters in command"))
        }
        let argument = trimmedSpaces(argumentText)

        switch verb {
        case "EHLO", "HELO":
            guard !argument.isEmpty, !argument.contains(" "), !containsControlCharacter(argument) else {
                return .failure(.syntax("Syntax: \(verb) hostname"))
            }
            return .success(.hello(domain: argument, extended: verb == "EHLO"))
        case "MAIL":
            return parseMail(argument)
        case "RCPT":
            return parseRecipient(argument)
        case "DATA", "RSET", "QUIT":
            guard argument.isEmpty else { return .failure(.syntax("Syntax: \(verb)")) }
            return .success(verb == "DATA" ? .data : verb == "RSET" ? .reset : .quit)
        case "NOOP":
            return .success(.noop)  // RFC 5321 allows (and ignores) an argument
        case "VRFY":
            guard !argument.isEmpty else { return .failure(.syntax("Syntax: VRFY address")) }
            return .success(.verify)
        case "HELP":
            return .success(.help)
        default:
            if notImplementedVerbs.contains(verb) { return .success(.notImplemented(verb: verb)) }
            return .failure(.unrecognised)
        }
    }

    private static func parseMail(_ argument: String) -> Result<SMTPCommand, SMTPCommandParseFailure> {
        guard let rest = dropPrefix("FROM:", from: argument) else {
            return .failure(.syntax("Syntax: MAIL FROM:<address>"))
        }
        let path: (address: String, parameters: [Substring])
        switch parsePath(rest) {
        case .success(let parsed): path = parsed
        case .failure(let failure): return .failure(failure)
        }
        var declaredSize: Int?
        for parameter in path.parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].uppercased()
            let value = parts.count == 2 ? String(parts[1]) : nil
            switch key {
            case "SIZE":
                guard let value, !value.isEmpty, value.count <= 18, value.utf8.allSatisfy(isASCIIDigit),
                    let size = Int(value)
                else { return .failure(.syntax("Bad SIZE parameter")) }
                declaredSize = size
            case "BODY":
                guard let value, ["7BIT", "8BITMIME"].contains(value.uppercased()) else {
                    return .failure(.syntax("Bad BODY parameter"))
                }
            default:
                return .failure(.unsupportedParameter(key))
            }
        }
        return .success(.mail(sender: path.address.isEmpty ? nil : path.address, declaredSize: declaredSize))
    }

    private static func parseRecipient(_ argument: String) -> Result<SMTPCommand, SMTPCommandParseFailure> {
        guard let rest = dropPrefix("TO:", from: argument) else {
            return .failure(.syntax("Syntax: RCPT TO:<address>"))
        }
        switch parsePath(rest) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let path):
            guard !path.address.isEmpty else { return .failure(.syntax("Recipient address required")) }
            if let parameter = path.parameters.first {
                let key = parameter.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                return .failure(.unsupportedParameter(key.uppercased()))
            }
            return .success(.recipient(path.address))
        }
    }

    /// Splits `<address> PARAM=value ...` into the bare address and its parameters.
    ///
    /// Angle brackets are expected, but a bare address without spaces is tolerated because
    /// some old clients send it. A source route (`<@relay:user@host>`) is dropped (RFC 5321 §4.1.2).
    private static func parsePath(
        _ text: Substring
    ) -> Result<(address: String, parameters: [Substring]), SMTPCommandParseFailure> {
        let trimmed = text.drop(while: { $0 == " " })
        var address: Substring
        var remainder: Substring
        if trimmed.first == "<" {
            guard let close = trimmed.firstIndex(of: ">") else {
                return .failure(.syntax("Unbalanced angle brackets in address"))
            }
            address = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            remainder = trimmed[trimmed.index(after: close)...]
            if let first = remainder.first, first != " " {
                return .failure(.syntax("Garbage after address"))
            }
        } else {
            let end = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
            address = trimmed[..<end]
            remainder = trimmed[end...]
            guard !address.isEmpty else { return .failure(.syntax("Address required")) }
        }
        if address.first == "@", let colon = address.firstIndex(of: ":") {
            address = address[address.index(after: colon)...]
        }
        guard address.utf8.count <= maxPathLength else { return .failure(.syntax("Address too long")) }
        guard !containsControlCharacter(address), !address.contains("<"), !address.contains(">") else {
            return .failure(.syntax("Invalid characters in address"))
        }
        let parameters = remainder.split(separator: " ")
        return .success((String(address), parameters))
    }

    private static func dropPrefix(_ prefix: String, from text: String) -> Substring? {
        guard text.count >= prefix.count,
            text.prefix(prefix.count).uppercased() == prefix
        else { return nil }
        return text.dropFirst(prefix.count)
    }

    private static func trimmedSpaces(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let last = utf8.lastIndex(where: { $0 != UInt8(ascii: " ") })
        else { return "" }
        return String(text[first...last])
    }

    static func containsControlCharacter(_ text: some StringProtocol) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }

    private static func isASCIIDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
