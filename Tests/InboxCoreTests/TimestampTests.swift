import Foundation
import InboxCore
import Testing

@Suite struct TimestampTests {
    @Test func theHandWrittenFormatAgreesWithFoundationAcrossTheCalendar() {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        var generator = SystemRandomNumberGenerator()
        let fixed: [Int64] = [0, 951_782_400_123, 4_107_542_399_999, 1_795_514_400_000, 1_587_967_974_593]
        for millis in fixed + (0..<2_000).map({ _ in Int64.random(in: 0...4_000_000_000_000, using: &generator) }) {
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            // Foundation truncates the binary fraction: nudge it past the millisecond it should show.
            #expect(Timestamps.format(date) == Date(timeIntervalSince1970: Double(millis) / 1000 + 0.0001).formatted(foundation))
        }
    }

    @Test func formattingThenParsingKeepsTheMillisecondBeforeAndAfter1970() {
        var generator = SystemRandomNumberGenerator()
        for millis in [-1, -86_400_001, -2_208_988_800_500] + (0..<2_000).map({ _ in Int64.random(in: -30_000_000_000_000...250_000_000_000_000, using: &generator) }) {
            let text = Timestamps.format(Date(timeIntervalSince1970: Double(millis) / 1000))
            #expect(Timestamps.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == millis, "\(text)")
        }
        #expect(Timestamps.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
    }

    @Test func otherRFC3339ShapesStillParseAndNonsenseDoesNot() {
        #expect(Timestamps.parse("2026-11-24T10:00:00Z") == Date(timeIntervalSince1970: 1_795_514_400))
        #expect(Timestamps.parse("2026-11-24T11:00:00.000+01:00") == Date(timeIntervalSince1970: 1_795_514_400))
        for bad in ["2026-02-30T10:00:00.000Z", "2026-13-01T10:00:00.000Z", "2026-11-24T24:00:00.000Z", "yesterday", ""] {
            #expect(Timestamps.parse(bad) == nil, "\(bad)")
        }
    }
}
