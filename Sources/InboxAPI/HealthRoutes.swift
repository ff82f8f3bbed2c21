import Hummingbird
import InboxCore

/// `GET /healthz` (and under `/api/v1`): no auth, answers the log's head.
struct HealthRoutes {
    let log: any EventLogReader

    struct Health: ResponseEncodable {
        var status: String
        var logPosition: UInt64
    }

    func register(on router: Router<SwitchboardRequestContext>) {
        router.get("healthz", use: health)
        router.get("api/v1/healthz", use: health)
    }

    @Sendable func health(_ request: Request, context: SwitchboardRequestContext) async throws -> Health {
        Health(status: "ok", logPosition: try await log.head())
    }
}
