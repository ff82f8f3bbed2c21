import Foundation

/// Email address checks good enough for contacts and users (not a full RFC 5322 parser).
public enum EmailAddress {
    /// The form used for uniqueness: trimmed and lowercased.
    public static func normalize(_ address: String) -> String {
        address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// One `@`, a non-empty local part, a dotted domain, no spaces, at most 254 characters. Checked on the
    /// UTF-8 bytes: this runs for every inbound message.
    public static func isValid(_ address: String) -> Bool {
        let bytes = address.utf8
        guard bytes.count <= 254 * 4, address.count <= 254 else { return false }
        var at: String.UTF8View.Index?
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "@"):
                guard at == nil else { return false }
                at = index
            case UInt8(ascii: " "), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), 0..<0x20, 0x7f:
                return false
            default:
                continue
            }
        }
        guard let at, at != bytes.startIndex, bytes.distance(from: bytes.startIndex, to: at) <= 64 * 4,
            address[..<at].count <= 64
        else { return false }
        let labels = bytes[bytes.index(after: at)...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return false }
        // Other Unicode white space (no-break spaces...) is as wrong as a plain space.
        return !address.unicodeScalars.contains { $0.value >= 0x80 && $0.properties.isWhitespace }
    }
}
