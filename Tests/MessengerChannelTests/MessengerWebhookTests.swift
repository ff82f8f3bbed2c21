import Foundation
import MessengerChannel
import Testing

@Suite struct MessengerWebhookTests {
    func decode(_ json: String) throws -> MessengerWebhook.Batch {
        try MessengerWebhook.decode(body: Array(json.utf8))
    }

    /// A delivery of one entry for page 111 holding the given messaging items.
    func delivery(_ items: String...) -> String {
        #"{"object":"page","entry":[{"id":"111","time":1767225600500,"messaging":["# + items.joined(separator: ",")
            + "]}]}"
    }

    @Test func aTextMessageBecomesAnInboundMessage() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1767225600123,"#
                    + #""message":{"mid":"m_abc","text":"hello, world!"}}"#))
        #expect(
            batch.messages == [
                MessengerInboundMessage(
                    pageId: "111", senderPSID: "2222", recipientId: "111", mid: "m_abc", text: "hello, world!",
                    attachments: [], sentAt: Date(timeIntervalSince1970: 1_767_225_600.123))
            ])
        #expect(batch.ignored.isEmpty)
        #expect(batch.malformed.isEmpty)
    }

    @Test func attachmentsKeepTheirTypeAndURLAndLocationsHaveNone() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1767225600000,"message":{"#
                    + #""mid":"m_att","attachments":["#
                    + #"{"type":"image","payload":{"url":"https:\/\/cdn.fbsbx.com\/v\/photo.jpg?x=1","sticker_id":369239263222822}},"#
                    + #"{"type":"file","payload":{"url":"https://cdn.fbsbx.com/v/report.pdf"}},"#
                    + #"{"type":"location","payload":{"coordinates":{"lat":52.52,"long":13.405}}},"#
                    + #"{"type":"fallback","title":"A link","url":"https://example.com/a","payload":null}"#
                    + "]}}"))
        let message = try #require(batch.messages.first)
        #expect(message.text == nil)
        #expect(
            message.attachments == [
                MessengerAttachment(type: "image", url: "https://cdn.fbsbx.com/v/photo.jpg?x=1"),
                MessengerAttachment(type: "file", url: "https://cdn.fbsbx.com/v/report.pdf"),
                MessengerAttachment(type: "location", url: nil),
                MessengerAttachment(type: "fallback", url: "https://example.com/a"),
            ])
    }

    @Test func textWithAQuickReplyAndAReplyToKeepsBoth() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1767225600000,"message":{"#
                    + #""mid":"m_q","text":"Red","quick_reply":{"payload":"COLOR_RED"},"reply_to":{"mid":"m_prev"}}}"#))
        let message = try #require(batch.messages.first)
        #expect(message.origin == .message(quickReplyPayload: "COLOR_RED"))
        #expect(message.replyToMid == "m_prev")
        #expect(message.text == "Red")
    }

    @Test func echoesOfThePagesOwnMessagesAreIgnored() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"111"},"recipient":{"id":"2222"},"timestamp":1767225600000,"#
                    + #""message":{"is_echo":true,"app_id":1517776481860111,"mid":"m_echo","text":"our reply"}}"#))
        #expect(batch.messages.isEmpty)
        #expect(batch.ignored == [.init(entryIndex: 0, itemIndex: 0, kind: "echo")])
        #expect(batch.malformed.isEmpty)
    }

    @Test func aPostbackBecomesAMessageWithItsTitleAndMid() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1458692752478,"#
                    + #""postback":{"mid":"m_pb","title":"Get Started","payload":"GET_STARTED","#
                    + #""referral":{"ref":"x","source":"SHORTLINK","type":"OPEN_THREAD"}}}"#))
        let message = try #require(batch.messages.first)
        #expect(message.mid == "m_pb")
        #expect(message.text == "Get Started")
        #expect(message.origin == .postback(payload: "GET_STARTED"))
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_458_692_752.478))
    }

    @Test func aPostbackWithoutMidGetsAStableMidFromSenderAndTimestamp() throws {
        let item =
            #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1458692752478,"#
            + #""postback":{"title":"Talk to a person","payload":"HUMAN"}}"#
        let first = try decode(delivery(item))
        let redelivered = try decode(delivery(item))
        #expect(first.messages.first?.mid == "postback:2222:1458692752478")
        #expect(first.messages.map(\.mid) == redelivered.messages.map(\.mid))
    }

    @Test func deliveriesReadsAndReactionsAreCountedAsIgnored() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1,"delivery":{"mids":["m_1"],"watermark":1458668856253}}"#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":2,"read":{"watermark":1458668856253}}"#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":3,"reaction":{"reaction":"love","emoji":"❤️","action":"react","mid":"m_1"}}"#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":4,"optin":{"ref":"x"}}"#))
        #expect(batch.messages.isEmpty)
        #expect(batch.ignored.map(\.kind) == ["delivery", "read", "reaction", "optin"])
        #expect(batch.ignored.map(\.itemIndex) == [0, 1, 2, 3])
        #expect(batch.ignoredCount == 4)
    }

    @Test func severalEntriesAndItemsAreDecodedInOrder() throws {
        let json = #"""
            {"object":"page","entry":[
              {"id":"111","time":1,"messaging":[
                {"sender":{"id":"a"},"recipient":{"id":"111"},"timestamp":1000,"message":{"mid":"m1","text":"one"}},
                {"sender":{"id":"b"},"recipient":{"id":"111"},"timestamp":2000,"message":{"mid":"m2","text":"two"}}]},
              {"id":"999","time":2,"messaging":[
                {"sender":{"id":"c"},"recipient":{"id":"999"},"timestamp":3000,"message":{"mid":"m3","text":"three"}}]}
            ]}
            """#
        let batch = try decode(json)
        #expect(batch.messages.map(\.mid) == ["m1", "m2", "m3"])
        #expect(batch.messages.map(\.pageId) == ["111", "111", "999"])
        #expect(batch.messages.map(\.senderPSID) == ["a", "b", "c"])
    }

    @Test func unknownFieldsEverywhereAreTolerated() throws {
        let json = #"""
            {"object":"page","future_top":{"x":[1,2]},"entry":[{"id":"111","time":1,"hop_context":[],"messaging":[
              {"sender":{"id":"2222","user_ref":"u"},"recipient":{"id":"111"},"timestamp":"1767225600000",
               "new_flag":true,"message":{"mid":"m_u","text":"hi","seq":0,"nlp":{"entities":{}},"commands":[{"name":"x"}]}}
            ]}]}
            """#
        let batch = try decode(json)
        #expect(batch.messages.map(\.text) == ["hi"])
        #expect(batch.messages.first?.sentAt == Date(timeIntervalSince1970: 1_767_225_600))
    }

    @Test func numericIdsAreAcceptedAsText() throws {
        let batch = try decode(
            #"{"object":"page","entry":[{"id":111,"time":1,"messaging":[{"sender":{"id":2222},"recipient":{"id":111},"timestamp":5,"message":{"mid":"m","text":"x"}}]}]}"#)
        #expect(batch.messages.first?.pageId == "111")
        #expect(batch.messages.first?.senderPSID == "2222")
    }

    @Test func aMalformedItemIsReportedAndItsSiblingsStillDecoded() throws {
        let batch = try decode(
            delivery(
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1,"message":{"mid":"m_ok1","text":"before"}}"#,
                #"{"recipient":{"id":"111"},"timestamp":2,"message":{"mid":"m_nosender","text":"x"}}"#,
                #""just a string""#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"message":{"mid":"m_notime","text":"x"}}"#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":3,"message":{"text":"no mid"}}"#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":4,"message":{"mid":"m","attachments":{"type":"image"}}}"#,
                #"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":5,"message":{"mid":"m_ok2","text":"after"}}"#))
        #expect(batch.messages.map(\.mid) == ["m_ok1", "m_ok2"])
        #expect(batch.malformed.map(\.itemIndex) == [1, 2, 3, 4, 5])
        #expect(batch.malformed.map(\.reason).allSatisfy { !$0.isEmpty })
    }

    @Test func anEntryWithoutAnIdIsSkippedWholeAndReported() throws {
        let batch = try decode(
            #"{"object":"page","entry":[{"time":1,"messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m0","text":"x"}}]},"#
                + #"{"id":"111","time":1,"messaging":[{"sender":{"id":"2"},"recipient":{"id":"111"},"timestamp":1,"message":{"mid":"m1","text":"y"}}]}]}"#)
        #expect(batch.messages.map(\.mid) == ["m1"])
        #expect(batch.malformed == [.init(entryIndex: 0, itemIndex: nil, reason: "entry.id is missing")])
    }

    @Test func aMessageWithNeitherTextNorAttachmentsIsIgnored() throws {
        let batch = try decode(
            delivery(#"{"sender":{"id":"2222"},"recipient":{"id":"111"},"timestamp":1,"message":{"mid":"m","text":""}}"#))
        #expect(batch.messages.isEmpty)
        #expect(batch.ignored.map(\.kind) == ["empty_message"])
    }

    @Test func standbyEventsBelongToAnotherAppAndAreIgnored() throws {
        let batch = try decode(
            #"{"object":"page","entry":[{"id":"111","time":1,"standby":[{"sender":{"id":"2"},"recipient":{"id":"111"},"timestamp":1,"message":{"mid":"m","text":"x"}}]}]}"#)
        #expect(batch.messages.isEmpty)
        #expect(batch.ignored.map(\.kind) == ["standby"])
    }

    @Test func aBodyThatIsNotJSONIsRefused() {
        #expect(throws: MessengerWebhook.DecodingError.notJSON) { try decode("object=page") }
        #expect(throws: MessengerWebhook.DecodingError.notJSON) { try decode("[1,2]") }
        #expect(throws: MessengerWebhook.DecodingError.notJSON) { try decode("") }
    }

    @Test func anObjectOtherThanPageIsRefused() {
        #expect(throws: MessengerWebhook.DecodingError.notPageObject("instagram")) {
            try decode(#"{"object":"instagram","entry":[]}"#)
        }
        #expect(throws: MessengerWebhook.DecodingError.notPageObject(nil)) { try decode(#"{"entry":[]}"#) }
    }

    @Test func aPageBodyWithoutEntriesIsRefused() {
        #expect(throws: MessengerWebhook.DecodingError.missingEntries) { try decode(#"{"object":"page"}"#) }
        #expect(throws: MessengerWebhook.DecodingError.missingEntries) {
            try decode(#"{"object":"page","entry":{}}"#)
        }
    }

    @Test func anEmptyEntryListIsAnEmptyBatch() throws {
        let batch = try decode(#"{"object":"page","entry":[]}"#)
        #expect(batch == MessengerWebhook.Batch(messages: [], ignored: [], malformed: []))
    }
}
