/// One SMTP reply: a three-digit code and one or more lines of text (RFC 5321 §4.2).
///
/// The server session produces these; the client session parses them back out of the byte stream.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The three-digit reply code, for example 250 or 550.
    public var code: Int
    /// The text of each line, without the code, separator or CRLF. Never empty.
    public var lines: [String]

    /// Creates a reply; control characters in `lines` are replaced by spaces so a reply can never
    /// smuggle an extra line (or a fake code) onto the wire, and an empty list becomes one empty line.
    public init(code: Int, lines: [String]) {
        self.code = code
        let cleaned = lines.map(Self.sanitised)
        self.lines = cleaned.isEmpty ? [""] : cleaned
    }

    /// Creates a single-line reply.
    public init(code: Int, _ text: String) {
        self.init(code: code, lines: [text])
    }

    /// True for 2xx replies.
    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    /// True for 3xx replies (for example 354 after DATA, 334 during AUTH).
    public var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    /// True for 4xx replies: the same command may succeed later.
    public var isTransientFailure: Bool { (400..<500).contains(code) }
    /// True for 5xx replies: repeating the command as it is will not help.
    public var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// All lines joined by a space, for error messages and logs.
    public var text: String { lines.joined(separator: " ") }

    /// "250 text" (multi-line replies joined by a space).
    public var description: String { text.isEmpty ? "\(code)" : "\(code) \(text)" }

    /// The reply as it goes on the wire: "250-first\r\n250 last\r\n".
    public var wireBytes: [UInt8] {
        var bytes: [UInt8] = []
        self.write(into: &bytes)
        return bytes
    }

    /// Appends the wire form of this reply to `bytes`.
    public func write(into bytes: inout [UInt8]) {
        let codeDigits = Array(String(code).utf8)
        for (index, line) in lines.enumerated() {
            bytes.append(contentsOf: codeDigits)
            let isLast = index == lines.count - 1
            if isLast && line.isEmpty {
                // "250\r\n" is valid; "250 \r\n" with a trailing space is avoided.
            } else {
                bytes.append(isLast ? UInt8(ascii: " ") : UInt8(ascii: "-"))
                bytes.append(contentsOf: line.utf8)
            }
            bytes.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
        }
    }

    private static func sanitised(_ line: String) -> String {
        guard line.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return line }
        return String(
            decoding: line.utf8.map { ($0 < 0x20 || $0 == 0x7F) ? UInt8(ascii: " ") : $0 },
            as: UTF8.self
        )
    }
}
