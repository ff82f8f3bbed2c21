import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import LMDB
import Projections

/// What every route needs: the log to decide on and append to, the runner to wait on, the views to read.
struct Backend: Sendable {
    let log: any EventLog
    let runner: ProjectionRunner
    let views: ReadModels
    let configuration: AppConfiguration

    /// The time of something happening now, by the service's clock.
    func now() -> Date { configuration.now() }

    /// Appends `batch` and returns once every read model reflects it (API.md's read-your-writes), with the
    /// position of its last event for `Log-Position`.
    func commit(_ batch: AppendBatch) async throws(EventLogError) -> UInt64 {
        let result = try await log.append(batch)
        do {
            try await runner.waitUntilProjected(result.lastPosition)
        } catch {
            throw .storage("the read models stopped before catching up: \(error)")
        }
        return result.lastPosition
    }

    /// Returns at the next commit after `position`, or at `deadline` when one is given and comes first: how
    /// outbound workers wait for new work or their next due time.
    func waitForCommit(after position: UInt64, until deadline: Date?) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await log.waitForCommit(after: position) }
            if let deadline {
                group.addTask { try await Task.sleep(for: .milliseconds(max(0, Int(deadline.timeIntervalSinceNow * 1000)) + 1)) }
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// Reads a stream whole and decodes the events of `family`.
    func events<Family: EventFamily>(of stream: StreamID, as family: Family.Type) async throws -> [Family] {
        var events: [Family] = []
        var from: UInt64 = 1
        while true {
            let page = try await log.readStream(stream, from: from, maxCount: 1_000)
            for event in page { if let decoded = try Family(event) { events.append(decoded) } }
            guard let last = page.last, page.count == 1_000 else { return events }
            from = last.streamVersion + 1
        }
    }

    /// Runs a read against one consistent snapshot of the views.
    func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        try views.read(body)
    }
}

/// A write's answer before it goes on the wire: kept as is for Idempotency-Key retries.
struct WriteAnswer: Sendable {
    var status: HTTPResponse.Status
    var body: Data
    var logPosition: UInt64

    init(status: HTTPResponse.Status, body: Data, logPosition: UInt64) {
        self.status = status
        self.body = body
        self.logPosition = logPosition
    }

    init(status: HTTPResponse.Status, _ value: some Encodable, logPosition: UInt64) throws {
        self.init(status: status, body: try JSONOutput.encode(value), logPosition: logPosition)
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.logPosition] = String(logPosition)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension HTTPField.Name {
    /// API.md: every write answers the global position of its last event.
    static let logPosition = Self("Log-Position")!
    static let idempotencyKey = Self("Idempotency-Key")!
}

enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// A 200 answer to a read.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encode(value))))
    }
}

extension APIError {
    /// A log refusal as API.md answers it. Version conflicts are usually resolved by the route itself;
    /// one reaching here is a concurrent write that got there first.
    static func from(_ error: EventLogError) -> APIError {
        if error.isWrongExpectedVersion {
            return .conflict("Someone else changed this at the same time; reload and try again.", code: "version_conflict")
        }
        if error.isUnavailable {
            return APIError(
                status: .serviceUnavailable, code: "unavailable",
                message: "The event log cannot be reached right now; nothing was written. Retry shortly (with the same Idempotency-Key).",
                retryAfter: 1)
        }
        return .internalError()
    }
}
