import Foundation
import MessengerChannel
import Testing

@Suite struct MessengerSendAPITests {
    let api = MessengerSendAPI(configuration: .init(graphBaseURL: "https://graph.example.test", apiVersion: "v25.0"))

    func json(_ request: MessengerSendRequest) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? NSDictionary)
    }

    func queryItems(_ url: URL) throws -> [URLQueryItem] {
        try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems)
    }

    @Test func aTextReplyIsOneJSONPostToThePagesMessagesEndpoint() throws {
        let requests = try api.requests(
            pageId: "1234567890", pageAccessToken: "EAAtoken", recipientPSID: "2222", text: "Hello there")
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.url.absoluteString == "https://graph.example.test/v25.0/1234567890/messages?access_token=EAAtoken")
        #expect(request.headers == ["Content-Type": "application/json"])
        let expected: NSDictionary = [
            "recipient": ["id": "2222"], "messaging_type": "RESPONSE", "message": ["text": "Hello there"],
        ]
        #expect(try json(request) == expected)
    }

    @Test func eachAttachmentIsItsOwnRequestAfterTheText() throws {
        let requests = try api.requests(
            pageId: "1", pageAccessToken: "t", recipientPSID: "2222", text: "See attached",
            attachments: [
                .init(kind: .image, url: "https://files.example.test/a.png"),
                .init(kind: .file, url: "https://files.example.test/b.pdf?sig=x&y=1"),
            ])
        #expect(requests.count == 3)
        #expect(try json(requests[0])["message"] as? NSDictionary == ["text": "See attached"])
        let image: NSDictionary = [
            "recipient": ["id": "2222"], "messaging_type": "RESPONSE",
            "message": [
                "attachment": [
                    "type": "image", "payload": ["url": "https://files.example.test/a.png", "is_reusable": true],
                ]
            ],
        ]
        #expect(try json(requests[1]) == image)
        let file = try json(requests[2])["message"] as? NSDictionary
        #expect(
            file
                == [
                    "attachment": [
                        "type": "file",
                        "payload": ["url": "https://files.example.test/b.pdf?sig=x&y=1", "is_reusable": true],
                    ]
                ])
        #expect(Set(requests.map(\.url)).count == 1)
    }

    @Test func attachmentsAloneNeedNoText() throws {
        let requests = try api.requests(
            pageId: "1", pageAccessToken: "t", recipientPSID: "2", text: "  ",
            attachments: [.init(kind: .audio, url: "http://files.example.test/a.mp3")])
        #expect(requests.count == 1)
        let message = try json(requests[0])["message"] as? NSDictionary
        #expect(message?["text"] == nil)
        #expect((message?["attachment"] as? NSDictionary)?["type"] as? String == "audio")
    }

    @Test func theTokenAndPathSegmentsArePercentEncoded() throws {
        let url = try api.endpoint(pageId: "12/34", pageAccessToken: "a+b/c=d&e f")
        #expect(url.absoluteString == "https://graph.example.test/v25.0/12%2F34/messages?access_token=a%2Bb%2Fc%3Dd%26e%20f")
        #expect(try queryItems(url) == [URLQueryItem(name: "access_token", value: "a+b/c=d&e f")])
    }

    @Test func aBaseURLWithAPathPrefixAndTrailingSlashKeepsThePrefix() throws {
        let proxied = MessengerSendAPI(configuration: .init(graphBaseURL: "http://127.0.0.1:8089/graph/", apiVersion: "v19.0"))
        let url = try proxied.endpoint(pageId: "1", pageAccessToken: "t")
        #expect(url.absoluteString == "http://127.0.0.1:8089/graph/v19.0/1/messages?access_token=t")
    }

    @Test func theDefaultConfigurationIsMetasGraphAPI() throws {
        let url = try MessengerSendAPI().endpoint(pageId: "1", pageAccessToken: "t")
        #expect(url.absoluteString == "https://graph.facebook.com/v25.0/1/messages?access_token=t")
    }

    @Test func theRedactedURLHidesTheToken() throws {
        let request = try #require(
            try api.requests(pageId: "1", pageAccessToken: "SECRET123", recipientPSID: "2", text: "x").first)
        #expect(request.redactedURL == "https://graph.example.test/v25.0/1/messages?access_token=REDACTED")
        #expect(!request.redactedURL.contains("SECRET123"))
    }

    @Test func badInputsAreRefusedWithTypedErrors() {
        #expect(throws: MessengerSendAPI.BuildError.emptyMessage) {
            try api.requests(pageId: "1", pageAccessToken: "t", recipientPSID: "2", text: nil)
        }
        #expect(throws: MessengerSendAPI.BuildError.missingValue("the page access token")) {
            try api.requests(pageId: "1", pageAccessToken: "", recipientPSID: "2", text: "x")
        }
        #expect(throws: MessengerSendAPI.BuildError.missingValue("the recipient PSID")) {
            try api.requests(pageId: "1", pageAccessToken: "t", recipientPSID: "", text: "x")
        }
        #expect(throws: MessengerSendAPI.BuildError.invalidAttachmentURL("file:///etc/passwd")) {
            try api.requests(
                pageId: "1", pageAccessToken: "t", recipientPSID: "2", text: nil,
                attachments: [.init(kind: .file, url: "file:///etc/passwd")])
        }
        for base in ["graph.facebook.com", "ftp://graph.example.test", "https://graph.example.test?x=1", ""] {
            let broken = MessengerSendAPI(configuration: .init(graphBaseURL: base))
            #expect(throws: MessengerSendAPI.BuildError.invalidGraphBaseURL(base)) {
                try broken.endpoint(pageId: "1", pageAccessToken: "t")
            }
        }
    }

    @Test(arguments: [
        ("image/png", MessengerOutboundAttachment.Kind.image), ("IMAGE/JPEG", .image), ("video/mp4", .video),
        ("audio/mpeg", .audio), ("application/pdf", .file), ("file/x", .file), ("", .file), ("text/plain", .file),
    ])
    func attachmentKindsFollowTheMediaType(mediaType: String, kind: MessengerOutboundAttachment.Kind) {
        #expect(MessengerOutboundAttachment.Kind(mediaType: mediaType) == kind)
    }

    @Test func aLongReplyIsSentAsSeveralMessagesUnderTheLimit() throws {
        let word = "lorem "
        let text = String(repeating: word, count: 700)  // 4200 characters
        let requests = try api.requests(pageId: "1", pageAccessToken: "t", recipientPSID: "2", text: text)
        let texts = try requests.map { try #require((try json($0)["message"] as? NSDictionary)?["text"] as? String) }
        #expect(texts.count == 3)
        #expect(texts.allSatisfy { $0.utf16.count <= 2000 })
        #expect(texts.joined(separator: " ") == text.trimmingCharacters(in: .whitespaces))
    }
}

@Suite struct MessengerTextSplitterTests {
    @Test func shortTextIsOneChunk() {
        #expect(MessengerTextSplitter.split("Hello", limit: 2000) == ["Hello"])
        #expect(MessengerTextSplitter.split(String(repeating: "a", count: 2000)).count == 1)
    }

    @Test func emptyOrBlankTextGivesNoChunks() {
        #expect(MessengerTextSplitter.split("", limit: 10).isEmpty)
        #expect(MessengerTextSplitter.split(" \n\t ", limit: 10).isEmpty)
    }

    @Test func cutsFallOnTheLastWhiteSpaceThatFits() {
        #expect(MessengerTextSplitter.split("one two three four", limit: 9) == ["one two", "three", "four"])
        #expect(MessengerTextSplitter.split("aaaa bbbb\ncccc", limit: 9) == ["aaaa bbbb", "cccc"])
    }

    @Test func aWordLongerThanTheLimitIsCutAtTheLimit() {
        #expect(MessengerTextSplitter.split("abcdefghij", limit: 4) == ["abcd", "efgh", "ij"])
    }

    @Test func graphemeClustersAreNeverSplit() {
        // Each family emoji is 11 UTF-16 code units and one Character.
        let family = "👨‍👩‍👧‍👦"
        let text = String(repeating: family, count: 5)
        let chunks = MessengerTextSplitter.split(text, limit: 25)
        #expect(chunks == [family + family, family + family, family])
        let accented = String(repeating: "e\u{301}", count: 5)  // é as e + combining acute
        #expect(MessengerTextSplitter.split(accented, limit: 3) == ["e\u{301}", "e\u{301}", "e\u{301}", "e\u{301}", "e\u{301}"])
    }

    @Test func aSingleClusterWiderThanTheLimitIsCutBetweenScalarsRatherThanLost() {
        let zalgo = "a" + String(repeating: "\u{301}", count: 9)  // one Character, 10 code units
        let chunks = MessengerTextSplitter.split(zalgo, limit: 4)
        #expect(chunks.joined() == zalgo)
        #expect(chunks.allSatisfy { $0.utf16.count <= 4 })
    }

    @Test func theLimitCountsUTF16CodeUnits() {
        let text = String(repeating: "😀", count: 1500)  // 3000 code units
        let chunks = MessengerTextSplitter.split(text, limit: 2000)
        #expect(chunks.map(\.utf16.count) == [2000, 1000])
        #expect(chunks.joined() == text)
    }

    @Test func realisticProseSplitsIntoChunksThatRejoinToTheOriginal() {
        let sentence = "Thanks for waiting — your refund of €42.50 was approved, and you'll see it in 3–5 days. "
        let text = String(repeating: sentence, count: 60).trimmingCharacters(in: .whitespaces)
        let chunks = MessengerTextSplitter.split(text, limit: 2000)
        #expect(chunks.count > 1)
        #expect(chunks.allSatisfy { $0.utf16.count <= 2000 && !$0.hasPrefix(" ") && !$0.hasSuffix(" ") })
        #expect(chunks.joined(separator: " ") == text)
    }
}

@Suite struct MessengerSendOutcomeTests {
    func classify(_ status: Int, _ body: String) -> MessengerSendOutcome {
        MessengerSendOutcome.classify(status: status, body: Array(body.utf8))
    }

    func error(code: Int, subcode: Int? = nil, message: String = "text") -> String {
        let sub = subcode.map { #","error_subcode":\#($0)"# } ?? ""
        return #"{"error":{"message":"\#(message)","type":"OAuthException","code":\#(code)\#(sub),"fbtrace_id":"BLBz/WZt8dN"}}"#
    }

    @Test func aSuccessReturnsTheMessageId() {
        #expect(classify(200, #"{"recipient_id":"2222","message_id":"m_AG5Hz2U"}"#) == .sent(messageId: "m_AG5Hz2U"))
    }

    @Test func aSuccessStatusWithoutAMessageIdIsNotRetriedToAvoidDuplicates() {
        guard case .permanent = classify(200, "<html>ok</html>") else {
            Issue.record("expected permanent")
            return
        }
    }

    @Test(arguments: [-1, 1, 2, 4, 17, 32, 341, 613, 1200])
    func temporaryAndRateLimitCodesAreRetryable(code: Int) {
        guard case .retryable(let reason) = classify(400, error(code: code)) else {
            Issue.record("code \(code) should be retryable")
            return
        }
        #expect(reason.contains("\(code)"))
    }

    @Test(arguments: [(10, 2018278), (100, 2018001), (190, 460), (551, 1545041), (200, nil), (230, nil)] as [(Int, Int?)])
    func refusalsThatRetryingCannotFixArePermanent(code: Int, subcode: Int?) {
        guard case .permanent = classify(400, error(code: code, subcode: subcode)) else {
            Issue.record("code \(code) should be permanent")
            return
        }
    }

    @Test func theWindowRefusalSaysSoInPlainWords() {
        #expect(
            classify(400, error(code: 10, subcode: 2018278, message: "(#10) This message is sent outside of allowed window."))
                == .permanent(
                    reason: "outside the 24-hour messaging window "
                        + "(Meta error 10/2018278: (#10) This message is sent outside of allowed window.)"))
        let parsed = MessengerGraphError(body: Array(error(code: 10, subcode: 2018278).utf8))
        #expect(parsed?.isOutsideMessagingWindow == true)
        #expect(parsed?.fbtraceId == "BLBz/WZt8dN")
        #expect(parsed?.type == "OAuthException")
    }

    @Test func metasTransientHintMakesAnUnknownCodeRetryable() {
        let body = #"{"error":{"message":"try later","code":9999,"is_transient":true}}"#
        #expect(classify(400, body) == .retryable(reason: "Meta error 9999: try later"))
    }

    @Test func withoutAnErrorBodyTheStatusDecides() {
        #expect(classify(500, "") == .retryable(reason: "the Send API answered HTTP 500"))
        #expect(classify(503, "<html>down</html>") == .retryable(reason: "the Send API answered HTTP 503"))
        #expect(classify(429, "") == .retryable(reason: "the Send API answered HTTP 429"))
        #expect(classify(404, "not found") == .permanent(reason: "the Send API answered HTTP 404"))
        #expect(classify(400, #"{"error":"not an object"}"#) == .permanent(reason: "the Send API answered HTTP 400"))
    }

    @Test func anUnknownErrorCodeOnAServerErrorIsRetryableButAKnownRefusalIsNot() {
        #expect(classify(500, error(code: 12345)) == .retryable(reason: "Meta error 12345: text"))
        #expect(classify(400, error(code: 12345)) == .permanent(reason: "Meta error 12345: text"))
        guard case .permanent = classify(500, error(code: 190)) else {
            Issue.record("an invalid token stays permanent on a 500")
            return
        }
    }
}
