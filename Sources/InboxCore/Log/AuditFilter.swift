import Foundation

/// Which events an auditor asks for: by who did it, which conversation they touch, their type and when they
/// were recorded. Every condition given must hold.
public struct AuditFilter: Sendable, Equatable {
    /// The actor's id (a user, contact, bot, system worker or integration).
    public var actorId: String?
    /// Events on the conversation's stream, and every other event whose payload names it (routing turns,
    /// deliveries, channel threads...).
    public var conversationId: String?
    /// Exact type tags (`conversation.reply_posted.v1`); empty for any.
    public var types: Set<String>
    /// Recorded at or after.
    public var from: Date?
    /// Recorded before.
    public var to: Date?

    public init(actorId: String? = nil, conversationId: String? = nil, types: Set<String> = [], from: Date? = nil, to: Date? = nil) {
        self.actorId = actorId
        self.conversationId = conversationId
        self.types = types
        self.from = from
        self.to = to
    }

    public func matches(_ event: RecordedEvent) -> Bool {
        if let actorId, event.actor.id != actorId { return false }
        if !types.isEmpty, !types.contains(event.type) { return false }
        if let from, event.recordedAt < from { return false }
        if let to, event.recordedAt >= to { return false }
        if let conversationId, !Self.touches(event, conversationId: conversationId) { return false }
        return true
    }

    /// Whether `event` is about the conversation: on its stream, or naming it as `conversationId`.
    static func touches(_ event: RecordedEvent, conversationId: String) -> Bool {
        if event.streamId.category == "conversation", event.streamId.id == conversationId { return true }
        // Most events do not mention the id at all: look for its bytes before parsing anything.
        guard event.payload.range(of: Data(conversationId.utf8)) != nil,
            let payload = try? JSONSerialization.jsonObject(with: event.payload) as? [String: Any]
        else { return false }
        return payload["conversationId"] as? String == conversationId
    }
}

/// Reads the log for an `AuditFilter`, a bounded amount per call so that no request scans the whole log.
public struct AuditQuery: Sendable {
    public let log: any EventLogReader

    public init(log: any EventLogReader) {
        self.log = log
    }

    /// The matching events after `position`, at most `limit`, scanning at most `scanBudget` events; the position
    /// to continue after when the scan stopped before the end of the log.
    public func page(
        _ filter: AuditFilter, after position: UInt64, limit: Int, scanBudget: Int = 200_000
    ) async throws -> (events: [RecordedEvent], continueAfter: UInt64?) {
        var next = max(position + 1, try await firstPosition(recordedAtOrAfter: filter.from))
        var found: [RecordedEvent] = []
        var scanned = 0
        while scanned < scanBudget {
            let page = try await log.read(from: next, maxCount: min(1_000, scanBudget - scanned))
            guard let last = page.last else { return (found, nil) }
            for event in page {
                if let to = filter.to, event.recordedAt >= to { return (found, nil) }
                if filter.matches(event) {
                    found.append(event)
                    if found.count == limit { return (found, event.position) }
                }
            }
            scanned += page.count
            next = last.position + 1
        }
        return (found, next - 1)
    }

    /// The first position recorded at or after `date` (positions are appended in time order), by bisection.
    public func firstPosition(recordedAtOrAfter date: Date?) async throws -> UInt64 {
        guard let date else { return 1 }
        var low: UInt64 = 1
        var high = try await log.head() + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let event = try await log.read(from: middle, maxCount: 1).first else { return high }
            if event.recordedAt < date { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
