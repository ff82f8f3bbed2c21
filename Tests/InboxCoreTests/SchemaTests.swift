import Foundation
import InboxCore
import Testing

/// The event envelope the service emits matches `Schemas/envelope.schema.json` (payloads: EventSchemaTests).
@Suite struct SchemaTests {
    let registered = UserEvent.registered(.init(userId: "0190c1f8a0b27c3d8e4f5a6b7c8d9e0f", name: "Ana", email: "ana@example.com", role: .agent))
    let tokenIssued = UserEvent.tokenIssued(.init(userId: "u1", tokenId: "t1", tokenHash: String(repeating: "ab", count: 32)))

    func envelope(_ event: UserEvent, correlation: UUID? = UUID()) throws -> Data {
        let recorded = RecordedEvent(
            position: 12, streamId: StreamID("user-u1")!, streamVersion: 2, eventId: EventIDs.make(), type: event.tag.rawValue,
            recordedAt: Date(timeIntervalSince1970: 1_795_000_000.5), actor: .system, correlationId: correlation,
            payload: event.payload)
        return try JSONEncoder().encode(try EnvelopeJSON(recorded))
    }

    @Test func envelopesMatchTheEnvelopeSchema() throws {
        let (status, errors) = try validate("envelope.schema.json", [try envelope(registered), try envelope(tokenIssued, correlation: nil)])
        #expect(status == 0, "\(errors)")
    }

    @Test func theEnvelopeSchemaRejectsWhatItShould() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: try envelope(registered)) as? [String: Any])
        object["recordedAt"] = "2026-11-24 10:00:00"
        let (status, errors) = try validate("envelope.schema.json", [try JSONSerialization.data(withJSONObject: object)])
        #expect(status == 1)
        #expect(errors.contains("recordedAt"))
    }

    @Test func envelopeFieldsAreNamedAndFormattedAsTheContractSays() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: try envelope(registered, correlation: nil)) as? [String: Any])
        #expect(object["recordedAt"] as? String == "2026-11-18T11:06:40.500Z")
        #expect(object["correlationId"] is NSNull)
        #expect((object["payload"] as? [String: Any])?["role"] as? String == "agent")
        #expect(Timestamps.parse("2026-11-24T10:00:00.000Z") == Date(timeIntervalSince1970: 1_795_514_400))
    }
}
