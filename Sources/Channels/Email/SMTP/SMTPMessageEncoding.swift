/// Byte-level encodings the client needs: the DATA transparency procedure and base64 for AUTH.
enum SMTPMessageEncoding {
    /// A message ready for DATA.
    struct EncodedMessage: Sendable, Hashable {
        /// The bytes to send after 354: CRLF line endings, dot-stuffed, ending in ".\r\n".
        var wireBytes: [UInt8]
        /// The message size as SIZE counts it (RFC 1870): CRLF-normalised, without stuffing dots or terminator.
        var size: Int
        /// True when any byte is outside 7-bit ASCII (then BODY=8BITMIME is declared if offered).
        var hasEightBitBytes: Bool
    }

    /// Normalises line endings to CRLF (bare LF and bare CR both become CRLF), doubles a leading
    /// dot on every line (RFC 5321 §4.5.2), ends the last line and appends the terminator.
    static func encodeForData(_ message: [UInt8]) -> EncodedMessage {
        let carriageReturn = UInt8(ascii: "\r")
        let lineFeed = UInt8(ascii: "\n")
        let dot = UInt8(ascii: ".")
        var wire: [UInt8] = []
        wire.reserveCapacity(message.count + message.count / 64 + 8)
        var stuffingDots = 0
        var hasEightBitBytes = false
        var atLineStart = true
        var index = 0
        while index < message.count {
            let byte = message[index]
            index += 1
            if byte >= 0x80 { hasEightBitBytes = true }
            if atLineStart && byte == dot {
                wire.append(dot)
                stuffingDots += 1
            }
            if byte == carriageReturn || byte == lineFeed {
                if byte == carriageReturn && index < message.count && message[index] == lineFeed {
                    index += 1
                }
                wire.append(carriageReturn)
                wire.append(lineFeed)
                atLineStart = true
            } else {
                wire.append(byte)
                atLineStart = false
            }
        }
        if !atLineStart {
            wire.append(carriageReturn)
            wire.append(lineFeed)
        }
        let size = wire.count - stuffingDots
        wire.append(contentsOf: [dot, carriageReturn, lineFeed])
        return EncodedMessage(wireBytes: wire, size: size, hasEightBitBytes: hasEightBitBytes)
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding (RFC 4648 §4), as SASL in SMTP AUTH expects.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let first = input[index]
            let second = index + 1 < input.count ? input[index + 1] : 0
            let third = index + 2 < input.count ? input[index + 2] : 0
            let group = UInt32(first) << 16 | UInt32(second) << 8 | UInt32(third)
            output.append(base64Alphabet[Int(group >> 18 & 0x3F)])
            output.append(base64Alphabet[Int(group >> 12 & 0x3F)])
            output.append(index + 1 < input.count ? base64Alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
            output.append(index + 2 < input.count ? base64Alphabet[Int(group & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
