import HTTPTypes
import Hummingbird
import Projections

/// Read-your-writes across nodes: a client that wrote through one node sends that answer's `Log-Position` as
/// `Min-Log-Position` to another, which holds the request until its own read models have folded that position,
/// for at most `maximumWait` (then 503: this node is behind, try again or ask the first one).
struct MinLogPositionMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    static let header = HTTPField.Name("Min-Log-Position")!

    let runner: ProjectionRunner
    let maximumWait: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let value = request.headers[Self.header] else { return try await next(request, context) }
        guard let position = UInt64(value) else {
            throw APIError.badRequest(
                "'Min-Log-Position' must be a log position, a non-negative integer such as a write's 'Log-Position'.",
                code: "invalid_header")
        }
        if runner.position < position {
            let runner = runner
            let caughtUp = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await runner.waitUntilProjected(position)
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: maximumWait)
                    return false
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            guard caughtUp else {
                throw APIError(
                    status: .serviceUnavailable, code: "behind_log_position",
                    message: "This node has read the log up to \(runner.position), not yet \(position); retry shortly.",
                    retryAfter: 1)
            }
        }
        return try await next(request, context)
    }
}
