import Foundation
import FormsChannel
import Testing

@Suite struct SubmissionRateLimiterTests {
    let start = Date(timeIntervalSince1970: 1_767_225_600)

    func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    @Test func submissionsUpToTheLimitAreAdmittedThenLimited() {
        var limiter = SubmissionRateLimiter(configuration: .init(limit: 3, window: 600))
        #expect(limiter.admit(key: "198.51.100.7", now: at(0)) == .admitted)
        #expect(limiter.admit(key: "198.51.100.7", now: at(10)) == .admitted)
        #expect(limiter.admit(key: "198.51.100.7", now: at(20)) == .admitted)
        #expect(limiter.admit(key: "198.51.100.7", now: at(30)) == .limited(retryAfterSeconds: 570))
    }

    @Test func theWindowSlidesSoTheOldestAdmissionFreesASlotWhenItLeaves() {
        var limiter = SubmissionRateLimiter(configuration: .init(limit: 2, window: 600))
        #expect(limiter.admit(key: "a", now: at(0)) == .admitted)
        #expect(limiter.admit(key: "a", now: at(100)) == .admitted)
        #expect(limiter.admit(key: "a", now: at(599.5)) == .limited(retryAfterSeconds: 1))
        #expect(limiter.admit(key: "a", now: at(600)) == .admitted)
        #expect(limiter.admit(key: "a", now: at(601)) == .limited(retryAfterSeconds: 99))
        #expect(limiter.admit(key: "a", now: at(700)) == .admitted)
    }

    @Test func refusedAttemptsDoNotExtendTheWait() {
        var limiter = SubmissionRateLimiter(configuration: .init(limit: 1, window: 60))
        #expect(limiter.admit(key: "a", now: at(0)) == .admitted)
        for second in stride(from: 1.0, to: 60, by: 7) {
            #expect(limiter.admit(key: "a", now: at(second)) == .limited(retryAfterSeconds: Int((60 - second).rounded(.up))))
        }
        #expect(limiter.admit(key: "a", now: at(60)) == .admitted)
    }

    @Test func keysAreLimitedIndependently() {
        var limiter = SubmissionRateLimiter(configuration: .init(limit: 1, window: 600))
        #expect(limiter.admit(key: "a", now: at(0)) == .admitted)
        #expect(limiter.admit(key: "b", now: at(0)) == .admitted)
        #expect(limiter.admit(key: "a", now: at(1)) != .admitted)
        #expect(limiter.admit(key: "b", now: at(1)) != .admitted)
    }

    @Test func theDefaultsAllowTenPerTenMinutes() {
        var limiter = SubmissionRateLimiter()
        for second in 0..<10 { #expect(limiter.admit(key: "a", now: at(Double(second))) == .admitted) }
        #expect(limiter.admit(key: "a", now: at(10)) == .limited(retryAfterSeconds: 590))
    }

    @Test func idleKeysAreEvictedOnceTheBoundIsExceeded() {
        var limiter = SubmissionRateLimiter(configuration: .init(limit: 1, window: 60, maximumKeys: 10))
        for index in 0..<10 { _ = limiter.admit(key: "old-\(index)", now: at(0)) }
        #expect(limiter.trackedKeyCount == 10)
        _ = limiter.admit(key: "new", now: at(61))
        #expect(limiter.trackedKeyCount == 1)
    }

    @Test func memoryStaysBoundedUnderAFloodOfActiveKeys() {
        var limiter = SubmissionRateLimiter(configuration: .init(limit: 5, window: 600, maximumKeys: 100))
        for index in 0..<1000 {
            _ = limiter.admit(key: "flood-\(index)", now: at(Double(index) / 100))
            #expect(limiter.trackedKeyCount <= 100)
        }
        // The most recent keys are kept, so a caller active right now is still limited.
        var strict = SubmissionRateLimiter(configuration: .init(limit: 1, window: 600, maximumKeys: 100))
        for index in 0..<1000 { _ = strict.admit(key: "flood-\(index)", now: at(Double(index) / 100)) }
        #expect(strict.admit(key: "flood-999", now: at(10)) != .admitted)
    }
}
