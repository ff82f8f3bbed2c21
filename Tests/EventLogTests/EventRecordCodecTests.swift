import EventLog
import Foundation
import InboxCore
import Testing

@Suite struct EventRecordCodecTests {
    let event = RecordedEvent(
        position: 42, streamId: StreamID("conversation-01JX")!, streamVersion: 7, eventId: UUID(),
        type: "conversation.message_received.v1", recordedAt: Date(timeIntervalSince1970: 1_795_000_000.123),
        actor: ActorRef(kind: .contact, id: "contact-9"), correlationId: UUID(), causationId: UUID(),
        payload: Data(#"{"text":"hello"}"#.utf8))

    @Test func aRecordDecodesToTheEventItEncoded() throws {
        let bytes = EventRecordCodec.encode(event)
        #expect(bytes.count == EventRecordCodec.encodedSize(event))
        let decoded = try bytes.withUnsafeBytes { try EventRecordCodec.decode($0) }
        #expect(decoded == event)
    }

    @Test func optionalIdsAndAnEmptyPayloadRoundTrip() throws {
        var bare = event
        bare.correlationId = nil
        bare.causationId = nil
        bare.payload = Data()
        let decoded = try EventRecordCodec.encode(bare).withUnsafeBytes { try EventRecordCodec.decode($0) }
        #expect(decoded == bare)
    }

    @Test func theHeaderLayoutIsPinned() {
        // Stored forever: this test fails if the layout changes without a new format number.
        let bytes = EventRecordCodec.encode(event)
        #expect(bytes[0] == 1)
        #expect(bytes[1] == 3)
        #expect(bytes[2] == ActorRef.Kind.contact.code)
        #expect(Int(bytes[3]) == event.type.utf8.count)
        #expect(Array(bytes[8..<16]) == [0, 0, 0, 0, 0, 0, 0, 42])
        #expect(Array(bytes[16..<24]) == [0, 0, 0, 0, 0, 0, 0, 7])
        #expect(Array(bytes.suffix(16)) == Array(#"{"text":"hello"}"#.utf8))
    }

    @Test func truncatedOrForeignRecordsAreReportedNotCrashedOn() {
        let bytes = EventRecordCodec.encode(event)
        for cut in [0, 10, 47, 60] {
            #expect(throws: EventRecordCodec.CorruptRecord.self) {
                try Array(bytes.prefix(cut)).withUnsafeBytes { try EventRecordCodec.decode($0) }
            }
        }
        var foreign = bytes
        foreign[0] = 9
        #expect(throws: EventRecordCodec.CorruptRecord.self) { try foreign.withUnsafeBytes { try EventRecordCodec.decode($0) } }
    }
}
