import EventLog
import Foundation
import InboxCore
import Logging
import Projections

/// `switchboard replay`: rebuilds read models from the log into a fresh directory and, unless told to leave
/// them elsewhere, swaps them in for the views the service starts with. Projections not rebuilt are absent
/// from the new views and rebuild themselves on the next start; views replayed only up to a point catch up on
/// the next start (their checkpoints say where they stopped).
public enum Replay {
    public struct Outcome: Sendable {
        public var events: Int
        public var seconds: Double
        public var directory: String
        public var through: UInt64
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(
        dataDirectory: String, projections names: [String], until: String?, output: String?, logger: Logger
    ) async throws -> Outcome {
        var configuration = AppConfiguration()
        configuration.dataDirectory = dataDirectory
        let logPath = configuration.logDirectory
        guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: logPath).appendingPathComponent("data.mdb").path) else {
            throw AuditExport.NoLog(path: logPath)
        }
        let target = output ?? configuration.viewsDirectory + ".replay"
        guard !FileManager.default.fileExists(atPath: target) else {
            throw Failure(description: "\(target) exists already; remove it or choose another --output.")
        }
        let log = try LMDBEventLog(path: logPath, logger: logger)
        let outcome: Outcome
        do {
            outcome = try await rebuild(log: log, into: target, names: names, until: until, logger: logger)
        } catch {
            await log.close()
            try? FileManager.default.removeItem(atPath: target)
            throw error
        }
        await log.close()
        if output == nil { try swap(target, into: configuration.viewsDirectory) }
        return Outcome(events: outcome.events, seconds: outcome.seconds, directory: output ?? configuration.viewsDirectory, through: outcome.through)
    }

    private static func rebuild(
        log: LMDBEventLog, into target: String, names: [String], until: String?, logger: Logger
    ) async throws -> Outcome {
        let through = try await position(until, in: log)
        let views = try ReadModels(path: target)
        defer { views.close() }
        let known = views.projections.map(\.name)
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw Failure(description: "There is no projection '\(unknown)'; the projections are \(known.joined(separator: ", ")).")
        }
        let chosen = names.isEmpty ? views.projections : views.projections.filter { names.contains($0.name) }
        let runner = try ProjectionRunner(log: log, environment: views.environment, projections: chosen, logger: logger)
        let start = ContinuousClock.now
        let events = try await runner.catchUp(through: through)
        return Outcome(
            events: events, seconds: (ContinuousClock.now - start).timeInterval, directory: target, through: runner.position)
    }

    /// `until` as a log position: a number, or an RFC 3339 instant (the last event recorded at or before it).
    static func position(_ until: String?, in log: some EventLogReader) async throws -> UInt64? {
        guard let until else { return nil }
        if let position = UInt64(until) { return position }
        guard let instant = Timestamps.parse(until) else {
            throw Failure(description: "--until must be a log position or an RFC 3339 time such as 2026-11-24T10:00:00.000Z.")
        }
        return try await AuditQuery(log: log).firstPosition(recordedAtOrAfter: instant.addingTimeInterval(0.001)) - 1
    }

    /// Puts the rebuilt views where the service reads them; the old ones are removed once replaced.
    private static func swap(_ rebuilt: String, into views: String) throws {
        let files = FileManager.default
        let previous = views + ".previous"
        try? files.removeItem(atPath: previous)
        if files.fileExists(atPath: views) { try files.moveItem(atPath: views, toPath: previous) }
        try files.moveItem(atPath: rebuilt, toPath: views)
        try? files.removeItem(atPath: previous)
    }
}
