import Crypto
import Foundation
import MessengerChannel
import Testing

@Suite struct MessengerSignatureTests {
    let body = Array(#"{"object":"page","entry":[{"id":"1","time":1,"messaging":[]}]}"#.utf8)
    let secret = "0f3d1c9e8b7a6543210fedcba9876543"

    /// Computed independently of the code under test.
    func expectedHex(_ body: [UInt8], _ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    @Test func aSignatureComputedWithTheAppSecretMatches() {
        #expect(MessengerSignature.matches(header: "sha256=" + expectedHex(body, secret), body: body, secret: secret))
    }

    @Test func thePrefixAndHexDigitsAreCaseInsensitive() {
        let header = "SHA256=" + expectedHex(body, secret).uppercased()
        #expect(MessengerSignature.matches(header: header, body: body, secret: secret))
    }

    @Test func theBuiltHeaderEqualsTheIndependentComputation() {
        #expect(MessengerSignature.header(body: body, secret: secret) == "sha256=" + expectedHex(body, secret))
    }

    @Test func aMissingHeaderDoesNotMatch() {
        #expect(!MessengerSignature.matches(header: nil, body: body, secret: secret))
        #expect(!MessengerSignature.matches(header: "", body: body, secret: secret))
    }

    @Test func anotherSecretDoesNotMatch() {
        let header = "sha256=" + expectedHex(body, "another-app-secret")
        #expect(!MessengerSignature.matches(header: header, body: body, secret: secret))
    }

    @Test func aTamperedBodyDoesNotMatch() {
        let header = "sha256=" + expectedHex(body, secret)
        var tampered = body
        tampered[tampered.count - 3] = UInt8(ascii: "1")
        #expect(!MessengerSignature.matches(header: header, body: tampered, secret: secret))
        #expect(!MessengerSignature.matches(header: header, body: body + [UInt8(ascii: " ")], secret: secret))
    }

    @Test func anEmptySecretNeverMatchesEvenASignatureMadeWithIt() {
        let header = "sha256=" + expectedHex(body, "")
        #expect(!MessengerSignature.matches(header: header, body: body, secret: ""))
    }

    @Test func malformedHeadersDoNotMatch() {
        let hex = expectedHex(body, secret)
        let sha1 = Insecure.SHA1.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let malformed: [String] = [
            hex,  // no prefix
            "sha1=" + sha1,  // the old X-Hub-Signature algorithm
            "sha1=" + hex,  // right digits, wrong algorithm
            "sha256:" + hex,
            "sha256=" + hex.dropLast(),  // 63 digits
            "sha256=" + hex + "0",  // 65 digits
            "sha256=" + hex.dropLast(2),
            "sha256=" + hex.dropLast() + "g",  // not hex
            "sha256= " + hex.dropLast(),
            "sha256=" + hex + "," + hex,
        ]
        for header in malformed {
            #expect(!MessengerSignature.matches(header: header, body: body, secret: secret), "\(header)")
        }
    }

    @Test func surroundingWhiteSpaceInTheHeaderIsTolerated() {
        #expect(MessengerSignature.matches(header: " sha256=\(expectedHex(body, secret)) ", body: body, secret: secret))
    }

    @Test func anEmptyBodyIsSignedLikeAnyOther() {
        #expect(MessengerSignature.matches(header: "sha256=" + expectedHex([], secret), body: [UInt8](), secret: secret))
    }
}
