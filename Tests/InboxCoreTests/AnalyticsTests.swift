import Foundation
import InboxCore
import Testing

@Suite struct AnalyticsTests {
    let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    let ana = ActorRef(kind: .user, id: "ana")
    let contact = ActorRef(kind: .contact, id: "carla")

    func event(_ type: ConversationEvent.Tag, _ json: String) throws -> ConversationEvent {
        try #require(try ConversationEvent(type: type.rawValue, payload: Data(json.utf8)))
    }

    func message(_ id: String, at offset: Double) throws -> ConversationEvent {
        try event(.messageReceived, #"{"conversationId":"c1","messageId":"\#(id)","text":"hi","from":{},"receivedAt":"\#(Timestamps.format(t0 + offset))"}"#)
    }

    func reply(at offset: Double, by user: String = "ana") throws -> ConversationEvent {
        try event(.replyPosted, #"{"conversationId":"c1","messageId":"r\#(Int(offset))","authorId":"\#(user)","text":"ok","postedAt":"\#(Timestamps.format(t0 + offset))"}"#)
    }

    @Test func cyclesFirstResponsesAndResponseTimesFollowTheDefinitions() throws {
        var clock = ConversationClock()
        var facts: [AnalyticsFact] = []
        func fold(_ event: ConversationEvent, _ actor: ActorRef, at offset: Double) {
            facts += clock.facts(event, actor: actor, recordedAt: t0 + offset)
        }
        fold(try event(.started, #"{"conversationId":"c1","inboxId":"i1","channelId":"ch","channelType":"email","visitor":{}}"#), contact, at: 0)
        fold(try message("m1", at: 0), contact, at: 0)
        fold(try message("m2", at: 100), contact, at: 100)
        fold(try reply(at: 300), ana, at: 300)
        fold(try reply(at: 400), ana, at: 400)
        fold(try message("m3", at: 500), contact, at: 500)
        fold(try reply(at: 560, by: "ben"), ActorRef(kind: .user, id: "ben"), at: 560)
        fold(try event(.closed, #"{"conversationId":"c1"}"#), ana, at: 1_000)
        // Reopened by the contact: a new cycle, with its own first response.
        fold(try event(.reopened, #"{"conversationId":"c1","reason":"inbound_message"}"#), contact, at: 2_000)
        fold(try message("m4", at: 2_000), contact, at: 2_000)
        fold(try reply(at: 2_090), ana, at: 2_090)

        #expect(facts.filter { $0.kind == .cycleOpened }.map(\.at) == [t0, t0 + 2_000])
        #expect(facts.filter { $0.kind == .firstResponse }.map(\.seconds) == [300, 90])
        // Each reply from the earliest unanswered message: 300 (m1), nothing waiting, 60 (m3), 90 (m4).
        #expect(facts.filter { $0.kind == .reply }.map(\.seconds) == [300, nil, 60, 90])
        #expect(facts.filter { $0.kind == .closed }.map(\.seconds) == [1_000])
        #expect(facts.filter { $0.kind == .closed }.map(\.userId) == ["ana"])
        #expect(facts.allSatisfy { $0.inboxId == "i1" && $0.channelType == "email" })

        let agents = Reports.agents(facts)
        #expect(agents.map(\.userId) == ["ana", "ben"])
        #expect(agents[0].repliesSent == 3 && agents[0].conversationsClosed == 1)
        #expect(agents[0].avgFirstResponseSeconds == 195 && agents[0].medianFirstResponseSeconds == 195)
        #expect(agents[0].avgResponseSeconds == 195)
        #expect(agents[1].avgFirstResponseSeconds == nil && agents[1].avgResponseSeconds == 60)
    }

    @Test func aResponseIsTimedFromTheEarliestUnansweredMessageByItsTime() throws {
        var clock = ConversationClock()
        var facts: [AnalyticsFact] = []
        facts += clock.facts(try event(.started, #"{"conversationId":"c1","inboxId":"i1","channelId":"ch","channelType":"email","visitor":{}}"#), actor: contact, recordedAt: t0)
        facts += clock.facts(try message("m1", at: 100), actor: contact, recordedAt: t0 + 100)
        // Delayed on its way: sent before m1, received after it.
        let late = #"{"conversationId":"c1","messageId":"m2","text":"hi","from":{},"sentAt":"\#(Timestamps.format(t0 + 40))","receivedAt":"\#(Timestamps.format(t0 + 200))"}"#
        facts += clock.facts(try event(.messageReceived, late), actor: contact, recordedAt: t0 + 200)
        facts += clock.facts(try reply(at: 300), actor: ana, recordedAt: t0 + 300)
        #expect(facts.filter { $0.kind == .reply }.map(\.seconds) == [260])
        // The cycle is the one m1 opened.
        #expect(facts.filter { $0.kind == .firstResponse }.map(\.seconds) == [200])
    }

    @Test func aBotHandledConversationIsTimedFromItsHandoff() throws {
        var clock = ConversationClock()
        var facts: [AnalyticsFact] = []
        facts += clock.facts(try event(.started, #"{"conversationId":"c1","inboxId":"i1","channelId":"ch","channelType":"chat","visitor":{}}"#), actor: contact, recordedAt: t0)
        facts += clock.facts(try message("m1", at: 0), actor: contact, recordedAt: t0)
        facts += clock.facts(try event(.botSessionStarted, #"{"conversationId":"c1","channelId":"ch","at":"\#(Timestamps.format(t0))"}"#), actor: contact, recordedAt: t0)
        facts += clock.facts(try event(.botReplied, #"{"conversationId":"c1","messageId":"b1","channelId":"ch","text":"Hi","intent":"greeting","at":"\#(Timestamps.format(t0))"}"#), actor: contact, recordedAt: t0)
        facts += clock.facts(try message("m2", at: 50), actor: contact, recordedAt: t0 + 50)
        facts += clock.facts(try event(.botHandedOff, #"{"conversationId":"c1","reason":"requested","at":"\#(Timestamps.format(t0 + 50))"}"#), actor: contact, recordedAt: t0 + 50)
        facts += clock.facts(try reply(at: 80), actor: ana, recordedAt: t0 + 80)
        #expect(facts.filter { $0.kind == .firstResponse }.map(\.seconds) == [30])
        #expect(facts.filter { $0.kind == .reply }.map(\.seconds) == [30])
        let bots = Reports.bots(facts)
        #expect(bots.count == 1 && bots[0].sessions == 1 && bots[0].handedOff == 1 && bots[0].avgBotMessagesPerSession == 1)
    }

    @Test func mediansAreExact() {
        #expect(Reports.median([]) == nil)
        #expect(Reports.median([7]) == 7)
        #expect(Reports.median([9, 1, 5]) == 5)
        #expect(Reports.median([10, 1, 4, 100]) == 7)
        #expect(Reports.average([1, 2]) == 1.5)
    }
}
