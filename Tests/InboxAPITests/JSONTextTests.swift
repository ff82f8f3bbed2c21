import Foundation
import InboxCore
import Testing

@testable import InboxAPI
@testable import Projections

/// The hand-written list JSON says what Foundation's encoder says.
@Suite struct JSONTextTests {
    func summary(subject: String?, assignee: String?) -> ConversationSummaryJSON {
        let record = ConversationRecord(
            id: "c1", inboxId: "i1", channelId: "ch1", channelType: "custom", status: "open", assigneeId: assignee,
            contactId: nil, subject: subject, preview: "Tab\there", lastMessageAt: Date(timeIntervalSince1970: 1_795_514_400.25),
            version: 7, visitor: Visitor(email: "a@example.com"), inboundMessages: 2, readBy: ["u1": 2], messageCount: 3,
            commentCount: 0)
        return ConversationSummaryJSON(record, for: "u2")
    }

    @Test func aHandWrittenSummaryDecodesToWhatTheEncoderWrites() throws {
        for sample in [summary(subject: "Quotes \" and \\ and\nlines\u{1} and ünïcode 🎉", assignee: nil), summary(subject: nil, assignee: "u1")] {
            var json = JSONText()
            sample.write(to: &json)
            let handWritten = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? NSDictionary)
            let encoded = try #require(try JSONSerialization.jsonObject(with: try JSONOutput.encode(sample)) as? NSDictionary)
            #expect(handWritten == encoded)
            #expect(handWritten.count == 12)
        }
    }

    @Test func aBinaryRowReadsBackAsTheRecordItWasWrittenFrom() throws {
        var record = ConversationRecord(
            id: "c1", inboxId: "i1", channelId: "ch1", channelType: "custom", status: "closed", assigneeId: "u1",
            contactId: "k1", subject: nil, preview: "ünïcode 🎉", lastMessageAt: Date(timeIntervalSince1970: -86_400.5),
            version: 300, visitor: Visitor(externalId: "v-9", name: "Vi"), inboundMessages: 129, readBy: ["u1": 2, "u2": 129],
            messageCount: 1_000_000, commentCount: 3)
        let bytes = record.binary
        let read = try bytes.withUnsafeBytes { try ConversationRecord(binary: $0) }
        #expect(read == record)
        record.readBy = [:]
        #expect(try record.binary.withUnsafeBytes { try ConversationRecord(binary: $0) } == record)
        #expect(throws: (any Error).self) { try Array(bytes.dropLast(3)).withUnsafeBytes { try ConversationRecord(binary: $0) } }
    }
}
