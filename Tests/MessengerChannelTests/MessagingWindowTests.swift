import Foundation
import MessengerChannel
import Testing

@Suite struct MessagingWindowTests {
    let lastInbound = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    @Test func aReplyWithinTwentyFourHoursIsAllowed() {
        #expect(MessagingWindow.canReply(lastInboundAt: lastInbound, now: lastInbound))
        #expect(MessagingWindow.canReply(lastInboundAt: lastInbound, now: lastInbound.addingTimeInterval(3600)))
        #expect(MessagingWindow.canReply(lastInboundAt: lastInbound, now: lastInbound.addingTimeInterval(86_399.999)))
    }

    @Test func atExactlyTwentyFourHoursTheWindowIsClosed() {
        #expect(!MessagingWindow.canReply(lastInboundAt: lastInbound, now: lastInbound.addingTimeInterval(86_400)))
        #expect(!MessagingWindow.canReply(lastInboundAt: lastInbound, now: lastInbound.addingTimeInterval(86_401)))
    }

    @Test func withoutAnyInboundMessageThePageCannotWriteFirst() {
        #expect(!MessagingWindow.canReply(lastInboundAt: nil, now: lastInbound))
    }

    @Test func aLastMessageDatedInTheFutureCountsAsRecent() {
        #expect(MessagingWindow.canReply(lastInboundAt: lastInbound.addingTimeInterval(60), now: lastInbound))
    }

    @Test func theWindowClosesADayAfterTheLastMessage() {
        #expect(MessagingWindow.closesAt(lastInboundAt: lastInbound) == lastInbound.addingTimeInterval(86_400))
    }

    @Test func theRefusalNamesTheRuleAndTheLastMessageTimeInUTC() {
        #expect(
            MessagingWindow.refusalMessage(lastInboundAt: lastInbound.addingTimeInterval(3661))
                == "Messenger only allows replies within 24 hours of the customer's last message "
                + "(last message at 2026-01-01T01:01:01Z).")
        #expect(
            MessagingWindow.refusalMessage(lastInboundAt: nil)
                == "Messenger only allows replies within 24 hours of the customer's last message "
                + "(the customer has not sent a message yet).")
    }
}
