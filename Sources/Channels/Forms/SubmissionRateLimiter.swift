import Foundation

/// Limits form submissions per key (the client's IP address) with a sliding window: at most `limit`
/// admissions in any `window`. A value type with the time passed in, so tests drive it with exact instants.
///
/// Memory is bounded by `maximumKeys`: keys whose admissions have all left the window are dropped first; if a
/// flood of distinct keys still exceeds the bound, the least recently seen keys are forgotten (which only
/// ever makes the limiter more lenient towards them, never blocks anyone wrongly).
public struct SubmissionRateLimiter: Sendable {
    /// The limits.
    public struct Configuration: Sendable, Hashable {
        /// Admissions allowed per key within one window.
        public var limit: Int
        /// The window's length in seconds.
        public var window: TimeInterval
        /// The most keys remembered at once.
        public var maximumKeys: Int

        /// Creates a configuration; the defaults allow 10 submissions per 10 minutes for up to 10,000 addresses.
        public init(limit: Int = 10, window: TimeInterval = 600, maximumKeys: Int = 10_000) {
            precondition(limit > 0 && window > 0 && maximumKeys > 0, "rate limits must be positive")
            self.limit = limit
            self.window = window
            self.maximumKeys = maximumKeys
        }
    }

    /// The answer for one submission.
    public enum Decision: Sendable, Hashable {
        /// Go ahead; the admission was counted.
        case admitted
        /// Refuse (429) and say when a retry can succeed, in whole seconds (at least 1).
        case limited(retryAfterSeconds: Int)
    }

    private struct Record: Sendable {
        /// Admission times within the window, oldest first; never more than `limit`.
        var admissions: [Date]
        var lastSeen: Date
    }

    /// The limits in force.
    public let configuration: Configuration
    private var records: [String: Record] = [:]

    /// Creates an empty limiter.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// How many keys are remembered now (for tests and metrics).
    public var trackedKeyCount: Int { records.count }

    /// Decides whether `key` may submit at `now`, and counts the submission when it may.
    public mutating func admit(key: String, now: Date) -> Decision {
        let windowStart = now.addingTimeInterval(-configuration.window)
        var record = records[key] ?? Record(admissions: [], lastSeen: now)
        record.admissions.removeAll { $0 <= windowStart }
        record.lastSeen = max(record.lastSeen, now)

        let decision: Decision
        if record.admissions.count < configuration.limit {
            record.admissions.append(now)
            decision = .admitted
        } else {
            let oldest = record.admissions[0]
            let wait = oldest.addingTimeInterval(configuration.window).timeIntervalSince(now)
            decision = .limited(retryAfterSeconds: max(1, Int(wait.rounded(.up))))
        }
        records[key] = record
        if records.count > configuration.maximumKeys { evict(now: now) }
        return decision
    }

    /// Drops idle keys, then the least recently seen down to 90% of the bound, so the next eviction is at least
    /// a tenth of the bound away and a flood of new keys costs one pass per many keys rather than one per key.
    private mutating func evict(now: Date) {
        let windowStart = now.addingTimeInterval(-configuration.window)
        records = records.filter { _, record in record.admissions.contains { $0 > windowStart } }
        let keep = max(1, configuration.maximumKeys * 9 / 10)
        guard records.count > keep else { return }
        let newest = records.sorted { $0.value.lastSeen > $1.value.lastSeen }.prefix(keep)
        records = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }
}
