import EventLog
import Projections
import ServiceLifecycle

/// Keeps the log and the read models open while the service runs. On graceful shutdown (after the HTTP server
/// and the projection runner have stopped: they shut down first) it lets queued appends commit, then closes both.
struct EventLogService: Service {
    let log: LMDBEventLog
    let views: ReadModels

    func run() async throws {
        try? await gracefulShutdown()
        await log.close()
        views.close()
    }
}
