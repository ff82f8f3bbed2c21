import Projections
import ServiceLifecycle

/// Keeps the read models (and the log, when the service owns it) open while the service runs. On graceful
/// shutdown (after the HTTP server and the projection runner have stopped: they shut down first) it lets queued
/// appends commit, then closes both.
struct EventLogService: Service {
    let closeLog: (@Sendable () async -> Void)?
    let views: ReadModels

    func run() async throws {
        try? await gracefulShutdown()
        await closeLog?()
        views.close()
    }
}
