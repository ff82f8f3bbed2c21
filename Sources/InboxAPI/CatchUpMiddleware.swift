import Hummingbird
import Projections

/// Holds API requests until the read models have folded everything the log held at start-up, so a restart or
/// a rebuild never serves an older state than before it (health checks are not held).
struct CatchUpMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let runner: ProjectionRunner
    let headAtStart: UInt64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if runner.position < headAtStart { try await runner.waitUntilProjected(headAtStart) }
        return try await next(request, context)
    }
}
