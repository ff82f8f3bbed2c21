import Foundation
import InboxCore
import Testing

/// The analytics view reads a few fields of each payload instead of decoding it whole: it must read the same.
@Suite struct AnalyticsInputTests {
    @Test func theInputReadFromAPayloadEqualsTheOneOfTheDecodedEvent() throws {
        var types = Set<String>()
        for event in try EventSamples.all() where ConversationEvent.owns(event.type) {
            let decoded = try #require(try ConversationEvent(type: event.type, payload: event.payload))
            #expect(try AnalyticsInput(type: event.type, payload: event.payload) == AnalyticsInput(decoded), "\(event.type)")
            types.insert(event.type)
        }
        #expect(types.isSuperset(of: AnalyticsInput.types), "samples cover every type the reports read")
    }

    @Test func aMessageInTheFutureCountsWhenItWasReceived() throws {
        let payload = #"{"conversationId":"c1","messageId":"m1","text":"hi","from":{},"sentAt":"2030-01-01T00:00:00.000Z","receivedAt":"2026-01-01T00:00:00.000Z"}"#
        let input = try AnalyticsInput(type: ConversationEvent.Tag.messageReceived.rawValue, payload: Data(payload.utf8))
        #expect(input == .messageReceived(at: Timestamps.parse("2026-01-01T00:00:00.000Z")!))
    }

    @Test func eventsTheReportsIgnoreAreNotRead() throws {
        // Not even parsed: the payload is not JSON.
        #expect(try AnalyticsInput(type: ConversationEvent.Tag.commentAdded.rawValue, payload: Data("x".utf8)) == nil)
        #expect(try AnalyticsInput(type: "user.created.v1", payload: Data("x".utf8)) == nil)
        #expect(!AnalyticsInput.types.contains(ConversationEvent.Tag.markedRead.rawValue))
    }

    @Test func aPayloadWithoutARequiredFieldIsRejected() {
        #expect(throws: JSONFields.Malformed.self) {
            try AnalyticsInput(type: ConversationEvent.Tag.replyPosted.rawValue, payload: Data(#"{"authorId":"u1"}"#.utf8))
        }
        #expect(throws: JSONFields.Malformed.self) {
            try AnalyticsInput(type: ConversationEvent.Tag.botResolved.rawValue, payload: Data(#"{"at":"yesterday"}"#.utf8))
        }
    }
}

@Suite struct JSONFieldsTests {
    func read(_ keys: [String], _ json: String) throws -> [String?] {
        try JSONFields.strings(JSONFields.Keys(keys), in: Data(json.utf8))
    }

    @Test func wantedStringsAreReadAndEverythingElseSkipped() throws {
        let json = #"""
            { "n": -1.5e3, "list": [1, {"a": "]"}, [true, false, null]], "id" : "x\"y\\z\/\n\u00e9\ud83d\ude00",
              "o": {"id": "inner"}, "gone": null, "plain": "abc" }
            """#
        #expect(try read(["plain", "id", "gone", "absent"], json) == ["abc", "x\"y\\z/\né😀", nil, nil])
        #expect(try read([], "{}") == [])
        // Reading stops at the last wanted field: what follows is not looked at.
        #expect(try read(["id"], #"{"id": "a"} never read"#) == ["a"])
    }

    @Test func malformedInputIsAClearError() {
        let cases: [(String, String)] = [
            ("[]", "expected {"),
            (#"{"id": "open"#, "unterminated string"),
            (#"{"id": 12}"#, "'id' is not a string"),
            (#"{"other": "a"} x"#, "trailing bytes"),
            (#"{"other": "a" "b": 1}"#, "expected , or }"),
            (#"{"x": tru}"#, "bad literal"),
            (#"{"id": "\u12"}"#, "bad \\u escape"),
            (#"{"id": "\ud83d\u0041"}"#, "unpaired surrogate"),
            (#"{"x": [1}"#, "unbalanced"),
        ]
        for (json, message) in cases {
            #expect {
                try read(["id"], json)
            } throws: { error in
                (error as? JSONFields.Malformed)?.description.contains(message) == true
            }
        }
    }
}
