import EventLog
import Foundation
import InboxCore
import Logging

/// `switchboard audit`: the events of a data directory's log that match a filter, as JSON lines of envelopes
/// (secrets redacted, as the API shows them). It reads the LMDB files directly, so it works while the server
/// runs (LMDB readers never block the writer) and when it does not.
public enum AuditExport {
    public struct NoLog: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "There is no event log in \(path) (is --data the service's data directory?)." }
    }

    /// Writes every matching event, oldest first, one JSON line each; answers how many.
    @discardableResult
    public static func run(
        dataDirectory: String, filter: AuditFilter, logger: Logger, write: (String) -> Void
    ) async throws -> Int {
        var configuration = AppConfiguration()
        configuration.dataDirectory = dataDirectory
        let path = configuration.logDirectory
        guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent("data.mdb").path) else {
            throw NoLog(path: path)
        }
        let log = try LMDBEventLog(path: path, logger: logger)
        var count = 0
        do {
            let query = AuditQuery(log: log)
            var after: UInt64 = 0
            while true {
                let page = try await query.page(filter, after: after, limit: 1_000)
                for event in page.events {
                    write(String(decoding: try JSONOutput.encode(EventFeedRoutes.envelope(event)), as: UTF8.self))
                }
                count += page.events.count
                guard let next = page.continueAfter else { break }
                after = next
            }
        } catch {
            await log.close()
            throw error
        }
        await log.close()
        return count
    }

    /// The filter from the command's options, checked as the API checks its query.
    public static func filter(actorId: String?, conversationId: String?, types: [String], from: String?, to: String?) throws -> AuditFilter {
        let values = ["actorId": actorId, "conversationId": conversationId, "from": from, "to": to,
                      "type": types.isEmpty ? nil : types.joined(separator: ",")]
        do {
            return try AuditRoutes.filter { values[$0] ?? nil }
        } catch let error as APIError {
            throw InvalidFilter(description: error.message)
        }
    }

    public struct InvalidFilter: Error, CustomStringConvertible {
        public let description: String
    }
}
