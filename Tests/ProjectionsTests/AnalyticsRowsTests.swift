import Foundation
import InboxCore
import Testing
import TestSupport

@testable import Projections

/// The analytics view's binary rows read back what was written, and a damaged row is a clear error.
@Suite struct AnalyticsRowsTests {
    func read(_ key: [UInt8], _ value: [UInt8]) throws -> FactRecord {
        try key.withUnsafeBytes { key in try value.withUnsafeBytes { try AnalyticsRows.record(key: key, value: $0) } }
    }

    @Test func everyKindOfFactRoundTrips() throws {
        var random = SplitMix64(seed: 7)
        for kind in AnalyticsFact.Kind.allCases {
            for seconds in [nil, 0, 1.5, Double.random(in: 0..<1e7, using: &random)] as [Double?] {
                let record = FactRecord(
                    kind: kind, order: FactRecord.order(position: UInt64.random(in: 1..<(1 << 40), using: &random), index: 1),
                    conversation: UInt32.random(in: 1...UInt32.max, using: &random), inbox: 3, channel: 4, channelType: 5,
                    user: kind == .reply ? 6 : FactNames.none,
                    at: Date(timeIntervalSinceReferenceDate: Double.random(in: -1e9..<1e9, using: &random)), seconds: seconds)
                #expect(try read(AnalyticsRows.factKey(record), AnalyticsRows.factValue(record)) == record)
            }
        }
        #expect(Set(AnalyticsRows.kinds) == Set(AnalyticsFact.Kind.allCases))
    }

    @Test func keysSortByInboxThenDayThenLogOrder() {
        let early = Date(timeIntervalSince1970: -86_400 * 3)
        let late = Date(timeIntervalSince1970: 1_780_000_000)
        let keys = [
            AnalyticsRows.factKey(inbox: 1, day: AnalyticsRows.day(early), order: 9),
            AnalyticsRows.factKey(inbox: 1, day: AnalyticsRows.day(late), order: 2),
            AnalyticsRows.factKey(inbox: 1, day: AnalyticsRows.day(late), order: 3),
            AnalyticsRows.factKey(inbox: 2, day: AnalyticsRows.day(early), order: 1),
        ]
        #expect(keys == keys.sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test func aDamagedFactRowIsAClearError() throws {
        let record = FactRecord(
            kind: .closed, order: 256, conversation: 1, inbox: 1, channel: 2, channelType: 3, user: 4, at: Date(), seconds: 12)
        let key = AnalyticsRows.factKey(record)
        let value = AnalyticsRows.factValue(record)
        func message(_ key: [UInt8], _ value: [UInt8]) -> String? {
            do {
                _ = try read(key, value)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message(Array(key.dropLast()), value) == "analytics fact key of 15 bytes, not 16")
        #expect(message(key, Array(value.dropLast())) == "analytics fact row of 34 bytes, not 35")
        var wrongFormat = value
        wrongFormat[0] = 9
        #expect(message(key, wrongFormat) == "analytics fact row of unknown format 9")
        var wrongKind = value
        wrongKind[1] = 200
        #expect(message(key, wrongKind) == "analytics fact of unknown kind 200")
        var wrongFlags = value
        wrongFlags[2] = 7
        #expect(message(key, wrongFlags) == "analytics fact with bad flags 7")
    }

    @Test func aClockRoundTripsToTheLastBitAndADamagedOneIsAClearError() throws {
        var clock = ConversationClock()
        clock.inboxId = "inbox"
        clock.channelId = "channel"
        clock.channelType = "chat"
        clock.open = true
        clock.botActive = true
        clock.cycleOpenedAt = Date(timeIntervalSinceReferenceDate: 812_345_678.123_456_7)
        clock.unansweredSince = Date(timeIntervalSince1970: 1_780_000_000.001)
        let stored = StoredClock(conversation: 70_000, clock: clock)
        let bytes = stored.binary
        #expect(try bytes.withUnsafeBytes { try StoredClock(binary: $0) } == stored)
        #expect(try StoredClock(conversation: 1, clock: ConversationClock()).binary.withUnsafeBytes { try StoredClock(binary: $0) }.clock
            == ConversationClock())

        #expect(throws: AnalyticsRows.Malformed(description: "conversation clock row is truncated or corrupt (\(bytes.count - 3) bytes)")) {
            try Array(bytes.dropLast(3)).withUnsafeBytes { try StoredClock(binary: $0) }
        }
        #expect(throws: AnalyticsRows.Malformed(description: "conversation clock row of unknown format 2")) {
            try ([2] + bytes.dropFirst()).withUnsafeBytes { try StoredClock(binary: $0) }
        }
        #expect(throws: AnalyticsRows.Malformed.self) { try [UInt8]().withUnsafeBytes { try StoredClock(binary: $0) } }
    }
}
