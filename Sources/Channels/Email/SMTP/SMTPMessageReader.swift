/// Reads the message text after DATA: finds the `CRLF.CRLF` terminator, undoes dot-stuffing
/// and enforces the size and line-length limits (RFC 5321 §4.1.1.4, §4.5.2, §4.5.3.1.6).
///
/// Input may arrive in pieces split at any byte, so the reader keeps a tiny position state
/// between calls instead of looking ahead. Only CRLF ends a line: a bare LF or CR is message
/// content, and `LF.LF` does not end the message, so this server never disagrees with a
/// strict relay in front of it about where a message ends (the "SMTP smuggling" attack).
struct SMTPMessageReader: Sendable {
    /// Where in the line structure the last consumed byte left the reader.
    private enum Position: Sendable {
        /// At the start of a line (after CRLF, or at the very start of the message).
        case lineStart
        /// A line began with a dot, which has been held back.
        case leadingDot
        /// A line began with a dot and a CR; an LF now ends the message.
        case leadingDotCarriageReturn
        /// Inside a line.
        case inLine
        /// Inside a line, right after a CR.
        case afterCarriageReturn
    }

    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let dot = UInt8(ascii: ".")

    /// The message so far: dot-unstuffed, without the terminator. Emptied once the size limit is passed.
    private(set) var message: [UInt8] = []
    /// True once the message grew past `maxMessageBytes`; the rest is read but not kept.
    private(set) var exceededSize = false
    /// True once any line was longer than `maxLineLength` octets including its CRLF.
    private(set) var exceededLineLength = false

    private let maxMessageBytes: Int
    private let maxLineLength: Int
    private var position = Position.lineStart
    private var currentLineLength = 0

    /// Creates a reader for one message.
    init(maxMessageBytes: Int, maxLineLength: Int) {
        self.maxMessageBytes = maxMessageBytes
        self.maxLineLength = maxLineLength
    }

    /// Consumes bytes up to and including the terminator.
    /// - Returns: how many bytes of `bytes` were consumed, and whether the terminator was reached.
    ///   Bytes after the terminator are not consumed: they are the next pipelined command.
    mutating func consume(_ bytes: ArraySlice<UInt8>) -> (consumed: Int, finished: Bool) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if case .inLine = position {
                // Fast path: copy the run up to the next CR or LF in one go.
                let runEnd =
                    bytes[index...].firstIndex(where: { $0 == Self.carriageReturn || $0 == Self.lineFeed })
                    ?? bytes.endIndex
                if runEnd > index {
                    countLineBytes(runEnd - index)
                    appendContent(bytes[index..<runEnd])
                    index = runEnd
                    continue
                }
            }
            let byte = bytes[index]
            index += 1
            countLineBytes(1)
            switch position {
            case .lineStart:
                if byte == Self.dot {
                    position = .leadingDot
                } else {
                    handleInLine(byte)
                }
            case .leadingDot:
                if byte == Self.carriageReturn {
                    position = .leadingDotCarriageReturn
                } else {
                    handleInLine(byte)  // the held-back dot was a stuffing dot: drop it
                }
            case .leadingDotCarriageReturn:
                if byte == Self.lineFeed {
                    return (index - bytes.startIndex, true)
                }
                // ".\rX": the dot was stuffing, the CR is content.
                appendContent(CollectionOfOne(Self.carriageReturn))
                handleAfterCarriageReturn(byte)
            case .inLine:
                handleInLine(byte)
            case .afterCarriageReturn:
                handleAfterCarriageReturn(byte)
            }
        }
        return (bytes.count, false)
    }

    private mutating func handleInLine(_ byte: UInt8) {
        appendContent(CollectionOfOne(byte))
        if byte == Self.carriageReturn {
            position = .afterCarriageReturn
        } else {
            // A bare LF does not start a line (no dot handling), but it does end one for the
            // length limit, so bare-LF text is not rejected as one giant line.
            if byte == Self.lineFeed { currentLineLength = 0 }
            position = .inLine
        }
    }

    private mutating func handleAfterCarriageReturn(_ byte: UInt8) {
        appendContent(CollectionOfOne(byte))
        switch byte {
        case Self.lineFeed:
            position = .lineStart
            currentLineLength = 0
        case Self.carriageReturn:
            position = .afterCarriageReturn
        default:
            position = .inLine
        }
    }

    private mutating func countLineBytes(_ count: Int) {
        currentLineLength += count
        if currentLineLength > maxLineLength {
            exceededLineLength = true
        }
    }

    private mutating func appendContent(_ content: some Collection<UInt8>) {
        guard !exceededSize else { return }
        if message.count + content.count > maxMessageBytes {
            // Stop keeping the message the moment it is too big; it will be rejected anyway.
            exceededSize = true
            message = []
            return
        }
        message.append(contentsOf: content)
    }
}
