import Foundation
import InboxCore
import Testing

@Suite struct StreamIDTests {
    @Test func theCategoryIsBeforeTheFirstDashAndTheIdAfterIt() {
        #expect(StreamID("conversation-01J-X")?.category == "conversation")
        #expect(StreamID("inboxes")?.category == "inboxes")
        #expect(StreamID("conversation-01J-X")?.id == "01J-X")
        #expect(StreamID("inboxes")?.id == "")
    }

    @Test(arguments: ["", "a\0b", String(repeating: "x", count: 257)])
    func invalidNamesAreRefused(name: String) {
        #expect(StreamID(name) == nil)
    }

    @Test func eventIdsMadeLaterSortLater() {
        let earlier = EventIDs.make(at: .init(timeIntervalSince1970: 1_000))
        let later = EventIDs.make(at: .init(timeIntervalSince1970: 1_001))
        #expect(earlier.uuidString < later.uuidString)
        #expect(earlier.uuidString.dropFirst(14).first == "7", "version 7")
    }
}
