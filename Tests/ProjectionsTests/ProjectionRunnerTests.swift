import EventLog
import Foundation
import InboxCore
import LMDB
import Logging
import Projections
import Synchronization
import Testing
import TestSupport

/// Counts events per stream; refuses to fold an event whose type is `test.poison.v1` while `poisoned`.
final class StreamCounter: Projection {
    let name = "stream-counter"
    let version: UInt32
    let counts: Database
    let poisoned = Mutex(false)

    struct Poison: Error {}

    init(environment: Environment, version: UInt32 = 1) throws {
        self.version = version
        counts = try environment.openDatabase("stream-counts")
    }

    func handles(_ type: String) -> Bool { type != "test.ignored.v1" }

    func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if event.type == "test.poison.v1", poisoned.withLock({ $0 }) { throw Poison() }
        let key = Array(event.streamId.rawValue.utf8)
        let current = try txn.value(counts, for: key).map { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) } ?? 0
        try txn.put(counts, key: key, value: withUnsafeBytes(of: (current + 1).bigEndian) { Array($0) })
    }

    func reset(in txn: borrowing WriteTransaction) throws { try txn.clear(counts) }

    func count(_ stream: String, in environment: Environment) throws -> UInt64 {
        try environment.read { txn in
            try txn.value(counts, for: Array(stream.utf8)).map { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) } ?? 0
        }
    }
}

@Suite struct ProjectionRunnerTests {
    let directory = scratchDirectory("projections")
    let logger = Logger(label: "test")

    func append(_ log: some EventLog, _ stream: String, type: String = "test.happened.v1", times: Int = 1) async throws -> UInt64 {
        var last: UInt64 = 0
        for _ in 0..<times { last = try await log.append(AppendBatch([testEvent(stream, type: type)])).lastPosition }
        return last
    }

    /// Runs `runner` while `body` works, then stops it.
    func whileRunning(_ runner: ProjectionRunner, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            try await body()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test func writesAreVisibleOnceWaitUntilProjectedReturns() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = InMemoryEventLog()
        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment)
        let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        try await whileRunning(runner) {
            for i in 1...20 {
                let position = try await append(log, "s-\(i % 2)")
                try await runner.waitUntilProjected(position)
                // Read-your-writes: the stream just appended to already shows every one of its events.
                #expect(try counter.count("s-\(i % 2)", in: environment) == UInt64((i + i % 2) / 2))
                #expect(runner.position >= position)
            }
        }
        #expect(try counter.count("s-0", in: environment) == 10)
        #expect(try counter.count("s-1", in: environment) == 10)
        #expect(runner.checkpointsByName["stream-counter"] == Checkpoint(version: 1, position: 20))
    }

    @Test func aRestartResumesFromTheCheckpointAndFoldsEachEventOnce() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = InMemoryEventLog()
        do {
            let environment = try Environment(path: directory.path)
            let counter = try StreamCounter(environment: environment)
            let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
            try await whileRunning(runner) {
                try await runner.waitUntilProjected(try await append(log, "s-1", times: 5))
            }
            environment.close()
        }
        _ = try await append(log, "s-1", times: 3)  // while no runner runs

        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment)
        let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        #expect(runner.position == 5, "start-up reads the checkpoint, it does not replay")
        try await whileRunning(runner) { try await runner.waitUntilProjected(8) }
        #expect(try counter.count("s-1", in: environment) == 8)
    }

    @Test func aNewVersionClearsTheProjectionAndRebuildsItFromTheLog() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = InMemoryEventLog()
        _ = try await append(log, "s-1", times: 4)
        do {
            let environment = try Environment(path: directory.path)
            let counter = try StreamCounter(environment: environment)
            let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
            try await whileRunning(runner) { try await runner.waitUntilProjected(4) }
            #expect(try counter.count("s-1", in: environment) == 4)
            environment.close()
        }
        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment, version: 2)
        let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        #expect(runner.position == 0)
        #expect(try counter.count("s-1", in: environment) == 0, "cleared before the rebuild")
        try await whileRunning(runner) { try await runner.waitUntilProjected(4) }
        #expect(try counter.count("s-1", in: environment) == 4, "rebuilt, not doubled")
        #expect(runner.checkpointsByName["stream-counter"] == Checkpoint(version: 2, position: 4))
    }

    @Test func readModelsBuiltFromAnotherLogAreRebuiltFromTheLogAtHand() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = InMemoryEventLog()
        _ = try await append(first, "s-1", times: 6)
        do {
            let environment = try Environment(path: directory.path)
            let counter = try StreamCounter(environment: environment)
            let runner = try ProjectionRunner(log: first, environment: environment, projections: [counter], logger: logger)
            try await whileRunning(runner) { try await runner.waitUntilProjected(6) }
            environment.close()
        }
        // The same views pointed at another log, shorter than the one they were built from.
        let second = InMemoryEventLog()
        _ = try await append(second, "s-2", times: 2)
        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment)
        let runner = try ProjectionRunner(log: second, environment: environment, projections: [counter], logger: logger)
        #expect(runner.position == 0)
        #expect(try counter.count("s-1", in: environment) == 0, "the other log's rows are gone")
        try await whileRunning(runner) { try await runner.waitUntilProjected(2) }
        #expect(try counter.count("s-2", in: environment) == 2)
        environment.close()

        // Opened again on the log they now come from, they are kept.
        let reopened = try Environment(path: directory.path)
        let sameCounter = try StreamCounter(environment: reopened)
        let again = try ProjectionRunner(log: second, environment: reopened, projections: [sameCounter], logger: logger)
        #expect(again.position == 2)
        #expect(try sameCounter.count("s-2", in: reopened) == 2)
    }

    @Test func eventsOfTypesAProjectionDoesNotHandleAreSkipped() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = InMemoryEventLog()
        _ = try await append(log, "s-1", times: 2)
        let last = try await append(log, "s-1", type: "test.ignored.v1", times: 3)
        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment)
        let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        try await whileRunning(runner) { try await runner.waitUntilProjected(last) }
        #expect(try counter.count("s-1", in: environment) == 2)
        #expect(runner.position == 5)
    }

    @Test func aFailedFoldMovesNeitherRowsNorCheckpoint() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = InMemoryEventLog()
        _ = try await append(log, "s-1", times: 2)
        _ = try await append(log, "s-1", type: "test.poison.v1")
        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment)
        counter.poisoned.withLock { $0 = true }
        let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        await #expect(throws: StreamCounter.Poison.self) { try await runner.run() }
        #expect(try counter.count("s-1", in: environment) == 0, "the two good events were rolled back with the bad one")
        #expect(runner.position == 0)

        counter.poisoned.withLock { $0 = false }
        let retry = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        try await whileRunning(retry) { try await retry.waitUntilProjected(3) }
        #expect(try counter.count("s-1", in: environment) == 3)
    }

    @Test func theRunnerFollowsTheLMDBLogToo() async throws {
        let fixture = LogFixture(.lmdb)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try await fixture.log()
        let environment = try Environment(path: directory.path)
        let counter = try StreamCounter(environment: environment)
        let runner = try ProjectionRunner(log: log, environment: environment, projections: [counter], logger: logger)
        try await whileRunning(runner) {
            try await runner.waitUntilProjected(try await append(log, "s-1", times: 50))
        }
        #expect(try counter.count("s-1", in: environment) == 50)
        await fixture.close()
    }
}
