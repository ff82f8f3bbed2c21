import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Logging
import Synchronization

/// API.md's `Idempotency-Key`: the same key and body within 24 hours answers the first response again and
/// appends nothing. The first answer is recorded in the log, on a stream per caller, route and key.
final class Idempotency: Sendable {
    static let window: TimeInterval = 24 * 60 * 60
    static let maxKeyLength = 255

    private let backend: Backend
    /// Keys whose first request is still running: a concurrent retry waits for nothing and gets 409.
    private let inFlight = Mutex<Set<StreamID>>([])

    init(backend: Backend) {
        self.backend = backend
    }

    /// Runs `write` unless this key already answered it; records the answer of a successful first run.
    func run(
        _ request: Request, context: SwitchboardRequestContext, caller: Caller, body: Data, write: () async throws -> WriteAnswer
    ) async throws -> Response {
        guard let key = request.headers[.idempotencyKey] else { return try await write().response }
        guard !key.isEmpty, key.utf8.count <= Self.maxKeyLength else {
            throw APIError.badRequest("Idempotency-Key must be 1 to \(Self.maxKeyLength) characters.", code: "invalid_idempotency_key")
        }
        let method = request.method.rawValue
        let path = request.uri.path
        let stream = IdempotencyEvent.stream(userId: caller.userId, method: method, path: path, key: key)
        let requestHash = SHA256Digest.hex(String(decoding: body, as: UTF8.self))

        guard inFlight.withLock({ $0.insert(stream).inserted }) else {
            throw APIError.conflict("A request with this Idempotency-Key is still running.", code: "idempotency_key_in_use")
        }
        defer { _ = inFlight.withLock { $0.remove(stream) } }

        let history = try await backend.events(of: stream, as: IdempotencyEvent.self)
        if case .recorded(let first)? = history.last, Date().timeIntervalSince(first.recordedAt) < Self.window {
            guard first.requestHash == requestHash else {
                throw APIError.conflict(
                    "This Idempotency-Key was used with another body.", code: "idempotency_key_reused")
            }
            return WriteAnswer(
                status: HTTPResponse.Status(code: first.status), body: Data(first.body.utf8), logPosition: first.logPosition
            ).response
        }

        let answer = try await write()
        let record = IdempotencyEvent.recorded(.init(
            key: key, userId: caller.userId, method: method, path: path, requestHash: requestHash,
            status: answer.status.code, body: String(decoding: answer.body, as: UTF8.self),
            logPosition: answer.logPosition, recordedAt: Date()))
        let expected: ExpectedVersion = history.isEmpty ? .noStream : .exact(UInt64(history.count))
        do {
            _ = try await backend.log.append(AppendBatch([record.proposed(to: stream, by: caller.actor)], expectations: [stream: expected]))
        } catch {
            // The write itself is done; only its replay is lost.
            context.logger.warning("Could not record an idempotent answer", metadata: ["error": "\(error)"])
        }
        return answer.response
    }
}
