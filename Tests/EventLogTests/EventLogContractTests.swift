import EventLog
import Foundation
import InboxCore
import Testing
import TestSupport

/// The rules every log backend keeps. Each test runs against every `LogKind`.
@Suite struct EventLogContractTests {
    @Test(arguments: LogKind.allCases)
    func positionsAreGaplessFromOneInAppendOrder(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let first = try await log.append(AppendBatch([testEvent("a-1"), testEvent("b-1")]))
        let second = try await log.append(AppendBatch([testEvent("a-1")]))
        #expect(first.events.map(\.position) == [1, 2])
        #expect(second.events.map(\.position) == [3])
        #expect(second.events.map(\.streamVersion) == [2])
        #expect(try await log.head() == 3)
        let all = try await log.read(from: 1, maxCount: 100)
        #expect(all.map(\.position) == [1, 2, 3])
        #expect(all.map(\.streamId.rawValue) == ["a-1", "b-1", "a-1"])
        #expect(try await log.read(from: 2, maxCount: 1).map(\.position) == [2])
        #expect(try await log.read(from: 4, maxCount: 10).isEmpty)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func everyEnvelopeFieldRoundTrips(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let correlation = UUID()
        var event = testEvent("conversation-01JÄÖ", type: "conversation.message_received.v1", payload: ["text": "héllo 👋"])
        event.actor = ActorRef(kind: .integration, id: "crm-sync")
        event.correlationId = correlation
        event.causationId = nil
        let before = Date()
        _ = try await log.append(AppendBatch([event]))
        let stored = try #require(try await log.read(from: 1, maxCount: 1).first)
        #expect(stored.streamId == event.streamId)
        #expect(stored.streamVersion == 1)
        #expect(stored.eventId == event.eventId)
        #expect(stored.type == event.type)
        #expect(stored.actor == event.actor)
        #expect(stored.correlationId == correlation)
        #expect(stored.causationId == nil)
        #expect(stored.payload == event.payload)
        #expect(abs(stored.recordedAt.timeIntervalSince(before)) < 60)
        let millis = stored.recordedAt.timeIntervalSince1970 * 1000
        #expect(millis == millis.rounded(), "recordedAt keeps millisecond precision")
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func expectedVersionsAreCheckedPerStream(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let stream = StreamID("conversation-1")!
        _ = try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [stream: .noStream]))
        _ = try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [stream: .exact(1)]))
        _ = try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [stream: .any]))

        await #expect(throws: EventLogError.wrongExpectedVersion(stream: stream, expected: .noStream, actual: 3)) {
            try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [stream: .noStream]))
        }
        await #expect(throws: EventLogError.wrongExpectedVersion(stream: stream, expected: .exact(2), actual: 3)) {
            try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [stream: .exact(2)]))
        }
        #expect(try await log.head() == 3)
        #expect(try await log.streamVersion(stream) == 3)
        #expect(try await log.streamVersion(StreamID("conversation-2")!) == 0)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func anAppendSpanningStreamsIsAllOrNothing(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        _ = try await log.append(AppendBatch([testEvent("contactEmail-ana@example.com")]))
        let batch = AppendBatch(
            [testEvent("contact-7"), testEvent("contactEmail-ana@example.com")],
            expectations: [StreamID("contact-7")!: .noStream, StreamID("contactEmail-ana@example.com")!: .noStream])
        await #expect(throws: EventLogError.self) { try await log.append(batch) }
        #expect(try await log.head() == 1)
        #expect(try await log.streamVersion(StreamID("contact-7")!) == 0)

        let ok = try await log.append(
            AppendBatch(
                [testEvent("contact-8"), testEvent("contactEmail-bo@example.com")],
                expectations: [StreamID("contact-8")!: .noStream, StreamID("contactEmail-bo@example.com")!: .noStream]))
        #expect(ok.events.map(\.position) == [2, 3])
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func anExpectationWithoutEventsGuardsTheAppend(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        _ = try await log.append(AppendBatch([testEvent("inbox-1")]))
        await #expect(throws: EventLogError.self) {
            try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [StreamID("inbox-1")!: .noStream]))
        }
        let ok = try await log.append(AppendBatch([testEvent("conversation-1")], expectations: [StreamID("inbox-1")!: .exact(1)]))
        #expect(ok.lastPosition == 2)
        #expect(try await log.streamVersion(StreamID("inbox-1")!) == 1)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func aRepeatedEventIdAppendsNothingAndAnswersTheOriginalPosition(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let batch = AppendBatch([testEvent("a-1"), testEvent("b-1")])
        let first = try await log.append(batch)
        _ = try await log.append(AppendBatch([testEvent("a-1")]))
        // A retry is answered even when the stream moved on: the caller's write did happen.
        var retry = batch
        retry.expectations = [StreamID("a-1")!: .noStream]
        let second = try await log.append(retry)
        #expect(second.deduplicated)
        #expect(!first.deduplicated)
        #expect(second.events == first.events)
        #expect(try await log.head() == 3)

        await #expect(throws: EventLogError.eventIdReused(batch.events[0].eventId)) {
            try await log.append(AppendBatch([batch.events[0], testEvent("a-1")]))
        }
        #expect(try await log.head() == 3)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func malformedBatchesAreRefused(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        await #expect(throws: EventLogError.self) { try await log.append(AppendBatch([])) }
        let event = testEvent("a-1")
        await #expect(throws: EventLogError.self) { try await log.append(AppendBatch([event, event])) }
        await #expect(throws: EventLogError.self) {
            try await log.append(AppendBatch([testEvent("a-1", type: String(repeating: "t", count: 256))]))
        }
        #expect(try await log.head() == 0)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func streamsReadFromAVersion(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        for i in 0..<5 {
            _ = try await log.append(AppendBatch([testEvent("a-1", payload: ["i": "\(i)"]), testEvent("a-10")]))
        }
        let stream = StreamID("a-1")!
        #expect(try await log.readStream(stream).map(\.streamVersion) == [1, 2, 3, 4, 5])
        #expect(try await log.readStream(stream).map(\.position) == [1, 3, 5, 7, 9])
        #expect(try await log.readStream(stream, from: 3, maxCount: 2).map(\.streamVersion) == [3, 4])
        #expect(try await log.readStream(StreamID("a-10")!).count == 5, "a prefix of another stream's id is not that stream")
        #expect(try await log.readStream(StreamID("a")!).isEmpty)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func whatWasAppendedIsReadAfterReopening(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        var log = try await fixture.log()
        for i in 0..<50 {
            _ = try await log.append(AppendBatch([testEvent("s-\(i % 3)", payload: ["i": "\(i)"])]))
        }
        let before = try await log.read(from: 1, maxCount: 100)
        let identity = log.identity
        let other = LogFixture(kind)
        #expect(try await other.log().identity != identity, "every new log has an identity of its own")
        await other.close()
        log = try await fixture.reopen()
        #expect(log.identity == identity, "the log keeps its identity")
        #expect(try await log.head() == 50)
        #expect(try await log.read(from: 1, maxCount: 100) == before)
        #expect(try await log.streamVersion(StreamID("s-0")!) == 17)
        let next = try await log.append(AppendBatch([testEvent("s-0")], expectations: [StreamID("s-0")!: .exact(17)]))
        #expect(next.events.map(\.position) == [51])
        #expect(next.events.map(\.streamVersion) == [18])
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func aSubscriptionCatchesUpThenFollowsLiveCommits(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        for i in 1...5 { _ = try await log.append(AppendBatch([testEvent("s-1", payload: ["i": "\(i)"])])) }

        let received = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            group.addTask {
                var positions: [UInt64] = []
                for try await event in log.subscribe(from: 3) {
                    positions.append(event.position)
                    if positions.count == 8 { break }
                }
                return positions
            }
            group.addTask {
                // Live appends, some after the subscriber has caught up and is waiting.
                for i in 6...10 {
                    try await Task.sleep(for: .milliseconds(5))
                    _ = try await log.append(AppendBatch([testEvent("s-2", payload: ["i": "\(i)"])]))
                }
                return []
            }
            var result: [UInt64] = []
            for try await positions in group where !positions.isEmpty { result = positions }
            return result
        }
        #expect(received == Array(3...10))
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func aWaitingSubscriptionEndsWhenItsTaskIsCancelled(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        _ = try await log.append(AppendBatch([testEvent("s-1")]))
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var count = 0
                for try await _ in log.subscribe(from: 1) { count += 1 }
                return count
            }
            try await Task.sleep(for: .milliseconds(50))
            group.cancelAll()
            return try await group.next() ?? -1
        }
        #expect(count == 1)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func tenThousandConcurrentAppendsLoseAndDuplicateNothing(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let tasks = 100
        let perTask = 100
        let acknowledged = try await withThrowingTaskGroup(of: [(UUID, UInt64)].self) { group in
            for t in 0..<tasks {
                group.addTask {
                    var acks: [(UUID, UInt64)] = []
                    for i in 0..<perTask {
                        let event = testEvent("writer-\(t)", payload: ["i": "\(i)"])
                        let result = try await log.append(AppendBatch([event]))
                        acks.append((event.eventId, result.lastPosition))
                    }
                    return acks
                }
            }
            var all: [(UUID, UInt64)] = []
            for try await acks in group { all += acks }
            return all
        }
        #expect(acknowledged.count == tasks * perTask)
        #expect(Set(acknowledged.map(\.1)) == Set(1...UInt64(tasks * perTask)))
        let stored = try await log.read(from: 1, maxCount: .max)
        #expect(stored.map(\.position) == Array(1...UInt64(tasks * perTask)))
        let byPosition = Dictionary(uniqueKeysWithValues: stored.map { ($0.position, $0.eventId) })
        #expect(acknowledged.allSatisfy { byPosition[$0.1] == $0.0 })
        for t in [0, 57, 99] {
            let stream = try await log.readStream(StreamID("writer-\(t)")!)
            #expect(stream.map(\.streamVersion) == Array(1...UInt64(perTask)))
            #expect(stream.map { String(decoding: $0.payload, as: UTF8.self) } == (0..<perTask).map { "{\"i\":\"\($0)\"}" })
        }
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func concurrentWritersExpectingTheSameVersionHaveExactlyOneWinner(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let stream = StreamID("conversation-42")!
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    do {
                        _ = try await log.append(AppendBatch([testEvent("conversation-42")], expectations: [stream: .noStream]))
                        return true
                    } catch {
                        return false
                    }
                }
                // Unconditional writers in the same groups must not be disturbed by the refusals.
                group.addTask {
                    (try? await log.append(AppendBatch([testEvent("other-1")]))) != nil
                }
            }
            var outcomes: [Bool] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter { $0 }.count == 33)
        #expect(try await log.streamVersion(stream) == 1)
        #expect(try await log.streamVersion(StreamID("other-1")!) == 32)
        #expect(try await log.head() == 33)
        await fixture.close()
    }

    @Test(arguments: LogKind.allCases)
    func blobsAreStoredWithTheirBatchAndOnlyWithIt(kind: LogKind) async throws {
        let fixture = LogFixture(kind)
        let log = try await fixture.log()
        let attachment = Blob(Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        let refused = Blob(Data("never stored".utf8))
        let stream = StreamID("conversation-7")!
        _ = try await log.append(AppendBatch([testEvent("conversation-7")], expectations: [stream: .noStream], blobs: [attachment]))
        await #expect(throws: EventLogError.self) {
            try await log.append(AppendBatch([testEvent("conversation-7")], expectations: [stream: .noStream], blobs: [refused]))
        }
        // The same bytes again are a no-op, not an error.
        _ = try await log.append(AppendBatch([testEvent("conversation-8")], blobs: [attachment]))
        let reopened = try await fixture.reopen()
        #expect(try await reopened.blob(attachment.digest) == attachment.bytes)
        #expect(try await reopened.blob(refused.digest) == nil)
        #expect(try await reopened.blob("not a digest") == nil)
        await fixture.close()
    }
}
