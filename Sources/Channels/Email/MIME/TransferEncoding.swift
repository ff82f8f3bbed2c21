import CoreFoundation
import Foundation

/// Content-Transfer-Encoding and charset decoding, tolerant of what real mail gets wrong.
enum TransferEncoding {
    /// Base64 ignoring line breaks and stray characters; a truncated tail keeps its whole bytes.
    static func base64(_ bytes: ArraySlice<UInt8>, defects: inout [String]) -> Data {
        var output = Data()
        output.reserveCapacity(bytes.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var stray = false
        var truncated = false
        for byte in bytes {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - 65
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - 71
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte + 4
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                // Padding ends a group: what follows starts afresh, as when senders concatenate padded pieces.
                if bits >= 6 { truncated = true }
                bits = 0
                continue
            case 10, 13, 32, 9: continue
            default:
                stray = true
                continue
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        if stray { defects.append("base64 body holds characters outside the alphabet") }
        if truncated || bits >= 6 { defects.append("base64 body is truncated") }
        return output
    }

    /// Quoted-printable: soft line breaks joined, `=XX` decoded, a bad escape kept as written.
    static func quotedPrintable(_ bytes: ArraySlice<UInt8>, defects: inout [String]) -> Data {
        var output = Data()
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        var bad = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            let next = index + 1
            // A soft line break: `=` then optional white space, then CRLF or LF.
            var probe = next
            while probe < bytes.endIndex, bytes[probe] == 32 || bytes[probe] == 9 { probe += 1 }
            if probe < bytes.endIndex, bytes[probe] == 13 || bytes[probe] == 10 {
                index = probe + (bytes[probe] == 13 && probe + 1 < bytes.endIndex && bytes[probe + 1] == 10 ? 2 : 1)
                continue
            }
            if probe == bytes.endIndex {
                index = probe
                continue
            }
            if next + 1 < bytes.endIndex, let high = hex(bytes[next]), let low = hex(bytes[next + 1]) {
                output.append(high << 4 | low)
                index = next + 2
            } else {
                bad = true
                output.append(byte)
                index = next
            }
        }
        if bad { defects.append("quoted-printable body holds a bad escape") }
        return output
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 48
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 55
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 87
        default: nil
        }
    }

    /// Text in `charset`; an unknown charset or invalid bytes fall back to UTF-8, then ISO-8859-1 (which takes
    /// any byte), so text is never lost.
    static func text(_ data: Data, charset: String?, defects: inout [String]) -> String {
        if let charset, !charset.isEmpty {
            if let encoding = encoding(named: charset) {
                if let text = String(data: data, encoding: encoding) { return text }
                defects.append("body is not valid \(charset)")
            } else {
                defects.append("unknown charset \(charset)")
            }
        }
        if let text = String(data: data, encoding: .utf8) { return text }
        return String(data: data, encoding: .isoLatin1) ?? String(decoding: data, as: UTF8.self)
    }

    /// The encoding of an IANA charset name, as Foundation and CoreFoundation know them.
    static func encoding(named name: String) -> String.Encoding? {
        let lower = name.trimmingCharacters(in: .whitespaces).lowercased()
        switch lower {
        case "utf-8", "utf8": return .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968": return .utf8  // ASCII is UTF-8; 8-bit leaks then still decode
        case "iso-8859-1", "latin1", "iso8859-1": return .isoLatin1
        default: break
        }
        if let known = String.Encoding(ianaName: lower) { return known }
        let cfName = CFStringCreateWithCString(nil, lower, CFStringBuiltInEncodings.UTF8.rawValue)
        let cf = CFStringConvertIANACharSetNameToEncoding(cfName)
        guard cf != kCFStringEncodingInvalidId else { return nil }
        return String.Encoding(rawValue: CFStringConvertEncodingToNSStringEncoding(cf))
    }
}
