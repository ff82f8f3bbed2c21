import MessengerChannel
import Testing

@Suite struct MessengerVerificationTests {
    let tokens: Set<String> = ["first-token", "second-token"]

    @Test func aSubscribeRequestWithAKnownTokenEchoesTheChallenge() throws {
        let challenge = try MessengerVerification.challenge(
            mode: "subscribe", verifyToken: "second-token", challenge: "1158201444", configuredTokens: tokens)
        #expect(challenge == "1158201444")
    }

    @Test func aChallengeOfUpTo256UnreservedCharactersIsEchoed() throws {
        let longest = String(repeating: "7", count: 256)
        for challenge in [longest, "abc-DEF_1.2~"] {
            #expect(
                try MessengerVerification.challenge(
                    mode: "subscribe", verifyToken: "first-token", challenge: challenge, configuredTokens: tokens)
                    == challenge)
        }
    }

    @Test func queryItemsAreReadByTheirHubNames() throws {
        let items: [(name: String, value: String)] = [
            ("hub.mode", "subscribe"), ("hub.challenge", "CHALLENGE_ACCEPTED"), ("hub.verify_token", "first-token"),
        ]
        #expect(try MessengerVerification.challenge(queryItems: items, configuredTokens: tokens) == "CHALLENGE_ACCEPTED")
    }

    @Test(arguments: [nil, "unsubscribe", "Subscribe", ""])
    func aModeOtherThanSubscribeIsRefused(mode: String?) {
        #expect(throws: MessengerVerification.Failure.modeNotSubscribe(mode)) {
            try MessengerVerification.challenge(
                mode: mode, verifyToken: "first-token", challenge: "1", configuredTokens: tokens)
        }
    }

    @Test(arguments: [nil, "", "first-toke", "first-token ", "FIRST-TOKEN", "third-token"])
    func anUnknownOrMissingTokenIsRefused(token: String?) {
        #expect(throws: MessengerVerification.Failure.unknownVerifyToken) {
            try MessengerVerification.challenge(
                mode: "subscribe", verifyToken: token, challenge: "1", configuredTokens: tokens)
        }
    }

    @Test func noConfiguredChannelsMeansNoTokenMatchesNotEvenAnEmptyOne() {
        #expect(throws: MessengerVerification.Failure.unknownVerifyToken) {
            try MessengerVerification.challenge(
                mode: "subscribe", verifyToken: "", challenge: "1", configuredTokens: [""])
        }
    }

    @Test(arguments: [nil, ""])
    func aMissingChallengeIsRefused(challenge: String?) {
        #expect(throws: MessengerVerification.Failure.missingChallenge) {
            try MessengerVerification.challenge(
                mode: "subscribe", verifyToken: "first-token", challenge: challenge, configuredTokens: tokens)
        }
    }

    @Test(arguments: [
        "<script>alert(1)</script>", "two words", String(repeating: "9", count: 257), "défi", "a\"b", "a&b",
    ])
    func aChallengeOtherThanAShortTokenIsNotEchoed(challenge: String) {
        #expect(throws: MessengerVerification.Failure.malformedChallenge) {
            try MessengerVerification.challenge(
                mode: "subscribe", verifyToken: "first-token", challenge: challenge, configuredTokens: tokens)
        }
    }

    @Test func failuresNeverRevealTheToken() {
        let failures: [MessengerVerification.Failure] = [
            .modeNotSubscribe("x"), .unknownVerifyToken, .missingChallenge, .malformedChallenge,
        ]
        for failure in failures {
            #expect(!failure.description.contains("first-token"))
            #expect(!failure.description.isEmpty)
        }
    }
}
