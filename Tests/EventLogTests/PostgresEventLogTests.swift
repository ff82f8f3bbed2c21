import Foundation
import InboxCore
import PostgresEventLog
import Testing
import TestSupport

/// What only the PostgreSQL log has to keep: several nodes appending to and following one log.
@Suite struct PostgresEventLogTests {
    @Test func twoNodesAppendingAtOnceShareOneGaplessLogSeenInPositionOrder() async throws {
        let fixture = LogFixture(.postgres)
        let first = try await fixture.log()
        let second = try await fixture.openAnotherNode()
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

private enum Observation: Sendable {
    case appended([(UUID, UInt64)])
    case followed(node: Int, [UInt64])
}
