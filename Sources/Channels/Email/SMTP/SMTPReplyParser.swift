/// Splits a relay's byte stream into replies, joining multi-line replies (`250-...` then `250 ...`).
struct SMTPReplyParser: Sendable {
    /// Why the byte stream is not valid SMTP replies.
    enum Failure: Error, Equatable {
        case malformedLine
        case inconsistentCodes
        case replyTooLong
    }

    /// Limits that stop a hostile relay from making the client buffer without end.
    static let maxLineLength = 8192
    static let maxLinesPerReply = 256

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// True when bytes beyond the last complete reply are buffered (checked before STARTTLS,
    /// where such bytes would have been injected by a man in the middle).
    var hasBufferedInput: Bool { readIndex < buffer.count || pendingCode != nil }

    /// Adds bytes from the relay.
    mutating func append(contentsOf bytes: some Collection<UInt8>) {
        if readIndex > 0 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or nil when more bytes are needed.
    mutating func nextReply() throws(Failure) -> SMTPReply? {
        while let lineFeed = buffer[readIndex...].firstIndex(of: UInt8(ascii: "\n")) {
            var lineEnd = lineFeed
            if lineEnd > readIndex && buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let line = buffer[readIndex..<lineEnd]
            readIndex = lineFeed + 1
            guard line.count <= Self.maxLineLength else { throw .replyTooLong }
            let (code, isLast, text) = try Self.parseLine(line)
            if let pendingCode, pendingCode != code { throw .inconsistentCodes }
            pendingCode = code
            pendingLines.append(text)
            guard pendingLines.count <= Self.maxLinesPerReply else { throw .replyTooLong }
            if isLast {
                let reply = SMTPReply(code: code, lines: pendingLines)
                self.pendingCode = nil
                pendingLines = []
                return reply
            }
        }
        guard buffer.count - readIndex <= Self.maxLineLength else { throw .replyTooLong }
        return nil
    }

    private static func parseLine(_ line: ArraySlice<UInt8>) throws(Failure) -> (code: Int, isLast: Bool, text: String) {
        guard line.count >= 3 else { throw .malformedLine }
        var code = 0
        for byte in line.prefix(3) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw .malformedLine }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard (200...599).contains(code) else { throw .malformedLine }
        let rest = line.dropFirst(3)
        guard let separator = rest.first else { return (code, true, "") }
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else { throw .malformedLine }
        return (code, separator == UInt8(ascii: " "), String(decoding: rest.dropFirst(), as: UTF8.self))
    }
}
