import AsyncHTTPClient
import Crypto
import Foundation
import InboxCore
import Logging
import NIOCore
import NIOHTTP1
import Projections
import ServiceLifecycle

/// Delivers the log to registered webhooks: one sequential loop per active webhook, so events arrive in log
/// order (hence in order per conversation), each retried with exponential backoff until the receiver answers
/// 2xx. Every attempt is recorded on the webhook's stream: the loop resumes after the last success across
/// restarts (at least once: receivers deduplicate by `eventId`), and a webhook failing for `disableAfter` is
/// disabled with the reason.
final class WebhookDispatcher: Service {
    struct Configuration: Sendable {
        var retryBase: Duration = .seconds(1)
        var retryMaximum: Duration = .seconds(300)
        var disableAfter: TimeInterval = 24 * 60 * 60
        var requestTimeout: Int64 = 10
    }

    private let backend: Backend
    private let configuration: Configuration
    private let logger: Logger

    init(backend: Backend, configuration: Configuration, logger: Logger) {
        self.backend = backend
        self.configuration = configuration
        self.logger = logger
    }

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await cancelWhenGracefulShutdown { try await self.superviseDeliveries(client) }
        } catch is CancellationError {}
        try await client.shutdown()
    }

    /// Starts a delivery loop for each active webhook, now and whenever the views learn of a new one.
    private func superviseDeliveries(_ client: HTTPClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var started = Set<String>()
            while !Task.isCancelled {
                let projected = backend.runner.position
                let webhooks = try backend.read { txn in try backend.views.directory.webhooks(in: txn) }
                for webhook in webhooks where webhook.active && started.insert(webhook.id).inserted {
                    group.addTask { await self.deliver(webhook.id, client: client) }
                }
                try await backend.runner.waitUntilProjected(projected + 1)
            }
            group.cancelAll()
        }
    }

    /// Follows the log for one webhook until it is disabled or the service stops. Errors are logged, never
    /// thrown: one webhook's trouble must not stop the others.
    private func deliver(_ webhookId: String, client: HTTPClient) async {
        let stream = WebhookEvent.stream(webhookId)
        do {
            var progress = try await progress(of: stream)
            guard let registration = progress.registration, progress.disabled == nil else { return }
            var next = progress.checkpoint + 1
            while !Task.isCancelled {
                let events = try await backend.log.read(from: next, maxCount: 256)
                guard !events.isEmpty else {
                    _ = try await backend.log.waitForCommit(after: next - 1)
                    continue
                }
                for event in events {
                    if Webhooks.delivers(event.type, to: registration.eventTypes) {
                        guard try await deliver(event, to: registration, progress: &progress, client: client) else { return }
                    }
                    next = event.position + 1
                }
            }
        } catch is CancellationError {
        } catch let error as EventLogError where error == .closed {
        } catch {
            logger.error("Webhook delivery stopped", metadata: ["webhook.id": "\(webhookId)", "error": "\(error)"])
        }
    }

    /// A webhook's progress from its registration and its newest attempts back to the last success (or its
    /// disabling): bounded by the current run of failures, however many deliveries the webhook has had.
    private func progress(of stream: StreamID) async throws -> Webhooks.Progress {
        var progress = Webhooks.Progress()
        let version = try await backend.log.streamVersion(stream)
        guard let registration = try await backend.log.readStream(stream, from: 1, maxCount: 1).first,
            let registered = try WebhookEvent(registration)
        else { return progress }
        progress.apply(registered, position: registration.position)
        var tail: [(WebhookEvent, UInt64)] = []
        var before = version + 1
        while before > 2 {
            let from = before > 258 ? before - 256 : 2
            let page = try await backend.log.readStream(stream, from: from, maxCount: Int(before - from))
            let decoded = try page.compactMap { event in try WebhookEvent(event).map { ($0, event.position) } }
            tail.insert(contentsOf: decoded, at: 0)
            let settled = decoded.contains { event, _ in
                switch event {
                case .attempted(let attempt): attempt.succeeded
                case .disabled: true
                case .registered: false
                }
            }
            if settled { break }
            before = from
        }
        for (event, position) in tail { progress.apply(event, position: position) }
        progress.version = version
        return progress
    }

    /// Tries `event` until the receiver takes it (true) or the webhook is disabled (false).
    private func deliver(
        _ event: RecordedEvent, to registration: WebhookEvent.Registered, progress: inout Webhooks.Progress,
        client: HTTPClient
    ) async throws -> Bool {
        let body = try JSONOutput.encode(EventFeedRoutes.envelope(event))
        let key = SymmetricKey(data: Data(registration.secret.utf8))
        let signature = "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: key))
        let stream = WebhookEvent.stream(registration.webhookId)
        var attempt = 1
        while true {
            var request = HTTPClientRequest(url: registration.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Switchboard-Signature", value: signature)
            request.headers.add(name: "X-Switchboard-Event", value: event.type)
            request.headers.add(name: "X-Switchboard-Delivery", value: event.eventId.uuidString.lowercased())
            request.body = .bytes(ByteBuffer(bytes: body))
            var status: Int?
            var failure: String?
            do {
                let response = try await client.execute(request, timeout: .seconds(configuration.requestTimeout))
                status = Int(response.status.code)
                _ = try? await response.body.collect(upTo: 64 << 10)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = String(describing: error)
            }
            let succeeded = status.map { (200..<300).contains($0) } ?? false
            let attempted = WebhookEvent.attempted(.init(
                webhookId: registration.webhookId, position: event.position, eventId: event.eventId, eventType: event.type,
                attempt: attempt, succeeded: succeeded, status: status, error: failure ?? (succeeded ? nil : "HTTP \(status ?? 0)"),
                at: Date()))
            let recorded = try await backend.log.append(AppendBatch([attempted.proposed(to: stream, by: .system)]))
            progress.apply(attempted, position: recorded.lastPosition)
            if succeeded { return true }
            if let since = progress.failingSince, Date().timeIntervalSince(since) >= configuration.disableAfter {
                let disabled = WebhookEvent.disabled(.init(
                    webhookId: registration.webhookId,
                    reason: "every delivery failed since \(Timestamps.format(since)); last: \(failure ?? "HTTP \(status ?? 0)")",
                    at: Date()))
                _ = try await backend.log.append(AppendBatch([disabled.proposed(to: stream, by: .system)]))
                logger.warning("Webhook disabled", metadata: ["webhook.id": "\(registration.webhookId)"])
                return false
            }
            try await Task.sleep(for: Webhooks.backoff(afterAttempt: attempt, base: configuration.retryBase, maximum: configuration.retryMaximum))
            attempt += 1
        }
    }
}
