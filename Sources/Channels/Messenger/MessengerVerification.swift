/// The subscription handshake Meta performs with `GET /webhooks/messenger` before it delivers any event.
///
/// Meta sends `hub.mode=subscribe`, the verify token typed into the app dashboard and a random
/// `hub.challenge`; the endpoint proves it is the intended receiver by echoing the challenge, and only when the
/// token is one a Messenger channel was configured with.
public enum MessengerVerification {
    /// Query parameter names Meta uses.
    public static let modeParameter = "hub.mode"
    /// The verify token chosen when the webhook was configured.
    public static let verifyTokenParameter = "hub.verify_token"
    /// The value to echo back.
    public static let challengeParameter = "hub.challenge"

    /// Why a handshake was refused. Every case maps to 403 except ``missingChallenge`` (400).
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// `hub.mode` absent or not `subscribe`; carries what was sent.
        case modeNotSubscribe(String?)
        /// `hub.verify_token` absent or not among the configured tokens.
        case unknownVerifyToken
        /// `hub.challenge` absent or empty.
        case missingChallenge
        /// The challenge is longer than 256 characters or holds characters other than ASCII letters, digits,
        /// `-`, `.`, `_` and `~`. Meta sends a number; echoing arbitrary text (markup, say) back would turn the
        /// endpoint into a reflector.
        case malformedChallenge

        /// A sentence for logs and the response body; never contains the token.
        public var description: String {
            switch self {
            case .modeNotSubscribe(let mode):
                return "hub.mode must be \"subscribe\" (got \(mode.map { "\"\($0)\"" } ?? "nothing"))"
            case .unknownVerifyToken:
                return "hub.verify_token does not match any Messenger channel"
            case .missingChallenge:
                return "hub.challenge is missing"
            case .malformedChallenge:
                return "hub.challenge must be at most 256 letters, digits, '-', '.', '_' or '~'"
            }
        }
    }

    /// The challenge to echo (as `text/plain`, status 200) when the handshake is valid.
    ///
    /// - Parameters:
    ///   - mode: the `hub.mode` query parameter.
    ///   - verifyToken: the `hub.verify_token` query parameter.
    ///   - challenge: the `hub.challenge` query parameter.
    ///   - configuredTokens: the verify tokens of every Messenger channel.
    public static func challenge(
        mode: String?, verifyToken: String?, challenge: String?, configuredTokens: some Collection<String>
    ) throws(Failure) -> String {
        guard mode == "subscribe" else { throw .modeNotSubscribe(mode) }
        guard let verifyToken, !verifyToken.isEmpty else { throw .unknownVerifyToken }
        // Compare against every token without stopping early, so timing says nothing about which one is close.
        var matched = false
        for token in configuredTokens where !token.isEmpty {
            matched = constantTimeEquals(Array(token.utf8), Array(verifyToken.utf8)) || matched
        }
        guard matched else { throw .unknownVerifyToken }
        guard let challenge, !challenge.isEmpty else { throw .missingChallenge }
        guard challenge.utf8.count <= 256, challenge.utf8.allSatisfy(isUnreserved) else { throw .malformedChallenge }
        return challenge
    }

    /// The same check reading the three parameters out of decoded query items (the last value of a repeated
    /// name wins, as in most web frameworks).
    public static func challenge(
        queryItems: [(name: String, value: String)], configuredTokens: some Collection<String>
    ) throws(Failure) -> String {
        func value(_ name: String) -> String? { queryItems.last { $0.name == name }?.value }
        return try challenge(
            mode: value(modeParameter), verifyToken: value(verifyTokenParameter),
            challenge: value(challengeParameter), configuredTokens: configuredTokens)
    }
}

/// RFC 3986 unreserved: safe to echo in any context.
private func isUnreserved(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}

/// Equality whose running time depends only on the lengths, not on where the first difference is.
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices {
        difference |= lhs[index] ^ rhs[index]
    }
    return difference == 0
}
