import Foundation
import InboxCore
import LMDB

/// The reports' table: every conversation event becomes the facts the metric definitions count (cycles, replies
/// with their response times, first responses, assignments, closes, bot sessions), keyed by the position of the
/// event they came from, so that a report as of any instant reads the facts up to the position of that instant.
public final class AnalyticsProjection: Projection {
    public let name = "analytics"
    /// 2: a reply's response time runs from the earliest unanswered message by its time, not the first to arrive.
    public let version: UInt32 = 2

    /// Conversation id -> its `ConversationClock`.
    let clocks: Database
    /// `<position><index>` -> `AnalyticsFact`.
    let facts: Database

    public init(environment: Environment) throws {
        clocks = try environment.openDatabase("analytics.clocks")
        facts = try environment.openDatabase("analytics.facts")
    }

    public func handles(_ type: String) -> Bool { ConversationEvent.owns(type) }

    public func reset(in txn: borrowing WriteTransaction) throws {
        try txn.clear(clocks)
        try txn.clear(facts)
    }

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        guard event.streamId.category == "conversation", let conversationEvent = try ConversationEvent(event) else { return }
        let conversationId = String(event.streamId.id)
        var clock = try ViewCoding.row(ConversationClock.self, clocks, conversationId, in: txn) ?? ConversationClock()
        let new = clock.facts(conversationEvent, actor: event.actor, recordedAt: event.recordedAt)
        for (index, fact) in new.enumerated() {
            try txn.put(facts, key: ViewCoding.bigEndian(event.position) + ViewCoding.bigEndian(UInt32(index)), value: try ViewCoding.encode(fact))
        }
        try ViewCoding.put(clock, clocks, conversationId, in: txn)
    }
}

extension AnalyticsProjection {
    /// The facts of the events up to `position` (all of them when nil) that `keep` keeps, in log order.
    public func facts(
        upTo position: UInt64?, in txn: borrowing ReadTransaction, where keep: (AnalyticsFact) -> Bool
    ) throws -> [AnalyticsFact] {
        try txn.withCursor(facts) { cursor in
            var found: [AnalyticsFact] = []
            var entry = try cursor.first()
            while let current = entry {
                if let position, LogKeysPrefix.position(current.key) > position { break }
                let fact = try ViewCoding.decode(AnalyticsFact.self, current.value)
                if keep(fact) { found.append(fact) }
                entry = try cursor.next()
            }
            return found
        }
    }
}

/// Reads the position back from a fact's key.
enum LogKeysPrefix {
    static func position(_ key: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: key.loadUnaligned(as: UInt64.self))
    }
}
