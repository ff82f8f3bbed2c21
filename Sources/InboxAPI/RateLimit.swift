import Foundation
import Hummingbird
import InboxCore
import Synchronization

/// An optional per-token request budget (`--rate-limit <requests>/<seconds>`): each token may spend `requests`
/// at once and regains them evenly over `seconds`. Off unless set, so integrations sharing a token are never
/// throttled by surprise.
public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var seconds: Int

    public init(requests: Int, seconds: Int) {
        self.requests = requests
        self.seconds = seconds
    }

    /// Parses `<requests>/<seconds>`, both positive.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let requests = Int(parts[0]), let seconds = Int(parts[1]), requests > 0, seconds > 0 else {
            return nil
        }
        self.init(requests: requests, seconds: seconds)
    }
}

/// Token buckets by token hash. The answer to an empty bucket is 429 with `Retry-After`.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let limit: RateLimit
    private let buckets = Mutex<[String: Bucket]>([:])

    init(limit: RateLimit) {
        self.limit = limit
    }

    /// Spends one request of `key`'s budget; nil when allowed, else the seconds until one is back.
    func spend(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        let perSecond = Double(limit.requests) / Double(limit.seconds)
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: Double(limit.requests), updated: now)
            bucket.tokens = min(Double(limit.requests), bucket.tokens + (now - bucket.updated).timeInterval * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}

struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let caller = context.caller, let wait = limiter.spend(caller.tokenHash) {
            throw APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "This token is over \(limiter.limit.requests) requests per \(limiter.limit.seconds) s; retry in \(wait) s.",
                retryAfter: wait)
        }
        return try await next(request, context)
    }
}
