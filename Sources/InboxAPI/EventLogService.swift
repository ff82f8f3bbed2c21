import EventLog
import ServiceLifecycle

/// Keeps the log open while the service runs. On graceful shutdown (after the HTTP server has finished its
/// in-flight requests: it shuts down first) it lets queued appends commit, then closes the log.
struct EventLogService: Service {
    let log: LMDBEventLog

    func run() async throws {
        try? await gracefulShutdown()
        await log.close()
    }
}
