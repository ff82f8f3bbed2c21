import EventLog
import Foundation
import InboxCore
import Testing
import TestSupport

/// A writer killed with SIGKILL mid-stream loses nothing it acknowledged and leaves no gap.
@Suite(.serialized) struct CrashRecoveryTests {
    struct Acknowledgement {
        let position: UInt64
        let eventId: UUID
        let stream: String
        let n: Int
    }

    @Test(arguments: 1...3)
    func everyAcknowledgedEventSurvivesAKill(round: Int) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-tests/crash-\(round)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        // Each round kills at a different depth, the last one on a log that already has history.
        let acks = try await runWriterAndKill(directory: directory, after: 500 * round)
        let second = round == 3 ? try await runWriterAndKill(directory: directory, after: 300) : []
        let acknowledged = acks + second
        #expect(acknowledged.count >= 500 * round)

        let log = try LMDBEventLog(path: directory.path)
        let head = try await log.head()
        let events = try await log.read(from: 1, maxCount: .max)
        #expect(events.map(\.position) == Array(1...head), "positions are gapless after the crash")
        #expect(head >= acknowledged.map(\.position).max() ?? 0)

        let byPosition = Dictionary(uniqueKeysWithValues: events.map { ($0.position, $0) })
        for ack in acknowledged {
            let event = try #require(byPosition[ack.position], "acknowledged position \(ack.position) is missing")
            #expect(event.eventId == ack.eventId)
            #expect(event.streamId.rawValue == ack.stream)
            let body = try #require(try JSONSerialization.jsonObject(with: event.payload) as? [String: Any])
            #expect(body["eventId"] as? String == ack.eventId.uuidString)
            #expect(body["n"] as? Int == ack.n)
            #expect((body["pad"] as? String)?.count == ack.n % 300)
        }
        // Every stream's versions are gapless too, and its index agrees with the events.
        for stream in Set(events.map(\.streamId)) {
            let streamEvents = try await log.readStream(stream)
            #expect(streamEvents.map(\.streamVersion) == Array(1...UInt64(streamEvents.count)))
            #expect(streamEvents.count == events.filter { $0.streamId == stream }.count)
        }
        // And the log keeps working where it stopped.
        let next = try await log.append(
            AppendBatch([ProposedEvent(streamId: StreamID("after-crash")!, type: "test.v1", actor: .system, payload: Data("{}".utf8))]))
        #expect(next.lastPosition == head + 1)
        await log.close()
    }

    /// Starts the writer, reads acknowledgements until `count` arrived, kills it with SIGKILL, and returns every
    /// acknowledgement it printed before it died.
    private func runWriterAndKill(directory: URL, after count: Int) async throws -> [Acknowledgement] {
        let process = Process()
        process.executableURL = try builtExecutable(named: "log-crash-writer")
        process.arguments = [directory.path, "16"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        let reader = output.fileHandleForReading
        var buffer = Data()
        var lines = 0
        while lines < count {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // The writer died on its own: what it printed is still checked.
            buffer.append(chunk)
            lines = buffer.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        buffer.append(reader.readDataToEndOfFile())
        #expect(process.terminationReason == .uncaughtSignal, "the writer was killed, it did not exit")

        let text = String(decoding: buffer, as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 4, let position = UInt64(fields[0]), let id = UUID(uuidString: String(fields[1])),
                let n = Int(fields[3])
            else { return nil }
            return Acknowledgement(position: position, eventId: id, stream: String(fields[2]), n: n)
        }
    }
}
