import Foundation
import InboxCore
import Logging
import PostgresEventLog
import Testing
import TestSupport

/// What only the PostgreSQL log has to keep: several nodes appending to and following one log.
@Suite struct PostgresEventLogTests {
    @Test func twoNodesAppendingAtOnceShareOneGaplessLogSeenInPositionOrder() async throws {
        let fixture = LogFixture(.postgres)
        let first = try await fixture.log()
        let second = try await fixture.openAnotherNode()
        #expect(second.identity == first.identity, "one log, whichever node opens it")
        let writersPerNode = 8
        let appendsPerWriter = 40
        let total = UInt64(2 * writersPerNode * appendsPerWriter)

        let (acknowledged, seenByFirst, seenBySecond) = try await withThrowingTaskGroup(of: Observation.self) { group in
            // Each node follows the whole log while both write: a position that became visible before an earlier
            // one would be skipped, and the follower would miss it.
            for (node, log) in [(0, first), (1, second as any EventLog)] {
                group.addTask {
                    var positions: [UInt64] = []
                    for try await event in log.subscribe(from: 1) {
                        positions.append(event.position)
                        if positions.count == total { break }
                    }
                    return .followed(node: node, positions)
                }
            }
            for (node, log) in [(0, first), (1, second as any EventLog)] {
                for writer in 0..<writersPerNode {
                    group.addTask {
                        var acks: [(UUID, UInt64)] = []
                        for i in 0..<appendsPerWriter {
                            let event = testEvent("node\(node)-\(writer)", payload: ["i": "\(i)"])
                            acks.append((event.eventId, try await log.append(AppendBatch([event])).lastPosition))
                        }
                        return .appended(acks)
                    }
                }
            }
            var acknowledged: [(UUID, UInt64)] = []
            var followed: [Int: [UInt64]] = [:]
            for try await observation in group {
                switch observation {
                case .appended(let acks): acknowledged += acks
                case .followed(let node, let positions): followed[node] = positions
                }
            }
            return (acknowledged, followed[0] ?? [], followed[1] ?? [])
        }

        #expect(Set(acknowledged.map(\.1)) == Set(1...total))
        #expect(seenByFirst == Array(1...total))
        #expect(seenBySecond == Array(1...total))
        let stored = try await second.read(from: 1, maxCount: .max)
        let byPosition = Dictionary(uniqueKeysWithValues: stored.map { ($0.position, $0.eventId) })
        #expect(acknowledged.allSatisfy { byPosition[$0.1] == $0.0 })
        for node in 0..<2 {
            let stream = try await first.readStream(StreamID("node\(node)-3")!)
            #expect(stream.map(\.streamVersion) == Array(1...UInt64(appendsPerWriter)))
        }
        await fixture.close()
    }

    @Test func aVersionConflictBetweenNodesHasExactlyOneWinner() async throws {
        let fixture = LogFixture(.postgres)
        let nodes: [any EventLog] = [try await fixture.log(), try await fixture.openAnotherNode()]
        let stream = StreamID("conversation-9")!
        let winners = await withTaskGroup(of: Bool.self) { group in
            for attempt in 0..<16 {
                let log = nodes[attempt % 2]
                group.addTask {
                    (try? await log.append(AppendBatch([testEvent("conversation-9")], expectations: [stream: .noStream])))
                        != nil
                }
            }
            var winners = 0
            for await won in group where won { winners += 1 }
            return winners
        }
        #expect(winners == 1)
        #expect(try await nodes[1].streamVersion(stream) == 1)
        await fixture.close()
    }
}

extension PostgresEventLogTests {
    /// PostgreSQL crashes and comes back while four writers append: every acknowledged append is in the log at
    /// the position it was given, the log stays gapless, the failures in between say the database is unavailable,
    /// and appends succeed again without reopening the log.
    @Test(.timeLimit(.minutes(3)))
    func aCrashAndRestartOfPostgresLosesNothingAcknowledgedAndWritesResume() async throws {
        let cluster = try await PostgresTestCluster.start()
        defer { cluster.stopWhenDone() }
        var configuration = PostgresEventLog.Configuration()
        configuration.maximumConnections = 4
        configuration.reconnectDelay = .milliseconds(100)
        try await PostgresEventLog.withLog(url: cluster.url.urlString, logger: quietLogger, configuration: configuration) { log in
        let restarted = TestFlag()

        let outcomes = try await withThrowingTaskGroup(of: [WriteOutcome].self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var outcomes: [WriteOutcome] = []
                    var successesAfterRestart = 0
                    var i = 0
                    while successesAfterRestart < 20 {
                        let event = testEvent("writer-\(writer)", payload: ["i": "\(i)"])
                        i += 1
                        do {
                            let position = try await log.append(AppendBatch([event])).lastPosition
                            outcomes.append(.acknowledged(event.eventId, position))
                            if restarted.isSet { successesAfterRestart += 1 }
                        } catch {
                            outcomes.append(.failed(event.eventId, error))
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                    return outcomes
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            try await cluster.restart()
            restarted.set()
            var all: [WriteOutcome] = []
            for try await outcomes in group { all += outcomes }
            return all
        }

        let stored = try await log.read(from: 1, maxCount: .max)
        #expect(stored.map(\.position) == Array(1...UInt64(stored.count)))
        let storedPositions = Dictionary(uniqueKeysWithValues: stored.map { ($0.eventId, $0.position) })
        var failures = 0
        for outcome in outcomes {
            switch outcome {
            case .acknowledged(let eventId, let position):
                #expect(storedPositions[eventId] == position)
            case .failed(_, let error):
                failures += 1
                #expect((error as? EventLogError)?.isUnavailable == true, "\(error)")
            }
        }
        // Whether an append was in flight at the crash is up to timing; any that failed failed as unavailable.
        #expect(outcomes.count - failures >= 80)
        }
    }
}

extension PostgresEventLogTests {
    /// With PostgreSQL down, an append and a read fail as unavailable within the operation timeout, appending
    /// nothing, and both work again once the server is back, on the same open log.
    @Test(.timeLimit(.minutes(2))) func whilePostgresIsDownOperationsFailAsUnavailableAndResumeWhenItIsBack() async throws {
        let cluster = try await PostgresTestCluster.start()
        defer { cluster.stopWhenDone() }
        var configuration = PostgresEventLog.Configuration()
        configuration.reconnectDelay = .milliseconds(100)
        try await PostgresEventLog.withLog(url: cluster.url.urlString, logger: quietLogger, configuration: configuration) { log in
            _ = try await log.append(AppendBatch([testEvent("before-1")]))
            try await cluster.kill()

            let lost = testEvent("during-1")
            let appendError = await #expect(throws: EventLogError.self) { try await log.append(AppendBatch([lost])) }
            #expect(appendError?.isUnavailable == true, "\(String(describing: appendError))")
            let readError = await #expect(throws: EventLogError.self) { try await log.read(from: 1, maxCount: 10) }
            #expect(readError?.isUnavailable == true, "\(String(describing: readError))")

            try await cluster.resume()
            var resumed: AppendResult?
            for _ in 0..<50 where resumed == nil {
                resumed = try? await log.append(AppendBatch([testEvent("after-1")]))
                if resumed == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(resumed?.lastPosition == 2)
            let stored = try await log.read(from: 1, maxCount: 10)
            #expect(stored.map(\.streamId.rawValue) == ["before-1", "after-1"])
            #expect(try await log.waitForCommit(after: 1) == 2)
        }
    }
}

private let quietLogger: Logger = {
    var logger = Logger(label: "switchboard.tests.eventlog")
    logger.logLevel = .error
    return logger
}()

private enum WriteOutcome: Sendable {
    case acknowledged(UUID, UInt64)
    case failed(UUID, any Error)
}

private enum Observation: Sendable {
    case appended([(UUID, UInt64)])
    case followed(node: Int, [UInt64])
}
