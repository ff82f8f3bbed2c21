import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import InboxAPI

@Suite struct RateLimitTests {
    @Test func theLimitIsWrittenAsRequestsPerSeconds() {
        #expect(RateLimit("600/60") == RateLimit(requests: 600, seconds: 60))
        for bad in ["600", "0/60", "10/0", "-1/5", "ten/60", "1/2/3", ""] { #expect(RateLimit(bad) == nil, "\(bad)") }
    }

    @Test func aBucketSpendsItsBudgetAndRefillsEvenly() {
        let limiter = RateLimiter(limit: RateLimit(requests: 3, seconds: 60))
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.spend("t1", now: start) == nil) }
        #expect(limiter.spend("t1", now: start) == 20)
        #expect(limiter.spend("t2", now: start) == nil, "budgets are per token")
        #expect(limiter.spend("t1", now: start + .seconds(21)) == nil, "one request is back after 20 s")
        #expect(limiter.spend("t1", now: start + .seconds(21)) != nil)
    }

    @Test func overTheBudgetAnswers429WithRetryAfterAndNoLimitMeansNone() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        var configuration = harness.configuration
        configuration.rateLimit = RateLimit(requests: 12, seconds: 3_600)
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.router) { client in
            let api = APIClient(client: client)
            let o = try await Organisation.create(api)  // spends the admin token's budget on setting up
            var answer = try await api.call(.get, "users", token: APIHarness.adminToken)
            for _ in 0..<20 where answer.status != .tooManyRequests {
                answer = try await api.call(.get, "users", token: APIHarness.adminToken)
            }
            #expect(answer.status == .tooManyRequests)
            #expect(answer.errorCode == "rate_limited")
            #expect(answer.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 0 } == true)
            #expect(try await api.call(.get, "users", token: o.anaToken).status == .ok, "another token has its own budget")
            #expect(try await api.call(.get, "/healthz", token: nil).status == .ok)
        }
        try await harness.run { api in
            for _ in 0..<30 {
                let answer = try await api.call(.get, "users", token: APIHarness.adminToken)
                #expect(answer.status == .ok)
            }
        }
    }
}
