import Crypto
import Foundation
import InboxCore

/// Checks the `X-Hub-Signature-256` header Meta puts on every webhook POST: `sha256=<hex>` where the hex is
/// HMAC-SHA256 of the raw request body keyed with the app secret.
///
/// Channels (pages) may belong to different apps with different secrets, so the check takes one secret at a
/// time; the caller tries the secret of the channel the page id names.
public enum MessengerSignature {
    /// The header carrying the signature.
    public static let headerName = "X-Hub-Signature-256"

    /// True when `header` is a well-formed `sha256=<64 hex digits>` signature of `body` under `secret`.
    ///
    /// A missing header, another algorithm prefix, a wrong length, non-hex digits or an empty secret all give
    /// false. The prefix and the hex digits are case-insensitive. The MAC comparison is constant-time.
    public static func matches(header: String?, body: some DataProtocol, secret: String) -> Bool {
        guard let header, !secret.isEmpty, let expected = parse(header: header) else { return false }
        let key = SymmetricKey(data: Array(secret.utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: body, using: key)
    }

    /// The header value Meta would send for `body` under `secret` (lowercase hex); for tests and tools that
    /// replay webhooks.
    public static func header(body: some DataProtocol, secret: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return "sha256=" + mac.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
        }.joined()
    }

    /// The 32 MAC bytes of a `sha256=<hex>` header, or nil when it is not exactly that.
    static func parse(header: String) -> [UInt8]? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        let prefix = "sha256="
        guard trimmed.utf8.count == prefix.utf8.count + 64,
            trimmed.utf8.prefix(prefix.utf8.count).elementsEqual(prefix.utf8, by: { asciiLowercased($0) == $1 })
        else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in trimmed.utf8.dropFirst(prefix.utf8.count) {
            guard let nibble = Hex.digitValue(character) else { return nil }
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes.count == 32 ? bytes : nil
    }

    private static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}
