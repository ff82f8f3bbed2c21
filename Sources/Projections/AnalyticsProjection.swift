import Foundation
import InboxCore
import LMDB

/// The reports' table: every conversation event becomes the facts the metric definitions count (cycles, replies
/// with their response times, first responses, assignments, closes, bot sessions). Facts are stored per inbox and
/// day, each with the log position of the event it came from, so that a report over an inbox and a period reads
/// only those, and a report as of any instant keeps the facts up to the position of that instant.
public final class AnalyticsProjection: Projection {
    public let name = "analytics"
    /// 2: binary rows keyed by inbox, day and position (1 stored JSON facts keyed by position).
    /// 3: a reply's response time runs from the earliest unanswered message by its time, not the first to arrive.
    public let version: UInt32 = 3

    /// Conversation id -> its `StoredClock`.
    let clocks: Database
    /// `AnalyticsRows.factKey` -> `AnalyticsRows.factValue`.
    let facts: Database
    /// The numbers of names (`FactNames`) both ways, and the counters of names and conversations.
    let names: Database

    public init(environment: Environment) throws {
        clocks = try environment.openDatabase("analytics.clocks")
        facts = try environment.openDatabase("analytics.facts")
        names = try environment.openDatabase("analytics.names")
    }

    public func handles(_ type: String) -> Bool { AnalyticsInput.types.contains(type) }

    public func reset(in txn: borrowing WriteTransaction) throws {
        try txn.clear(clocks)
        try txn.clear(facts)
        try txn.clear(names)
    }

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        try apply(contentsOf: [event], in: txn)
    }

    /// Keeps the batch's clocks and names in memory and writes each clock once, at the end of the batch.
    public func apply(contentsOf events: [RecordedEvent], in txn: borrowing WriteTransaction) throws {
        var batch = Batch()
        batch.clocks.reserveCapacity(events.count)
        for event in events {
            guard let conversationId = Self.conversationId(event.streamId),
                let input = try AnalyticsInput(type: event.type, payload: event.payload)
            else { continue }
            var stored = try clock(conversationId, &batch, in: txn)
            let new = stored.clock.facts(input, conversationId: conversationId, actor: event.actor, recordedAt: event.recordedAt)
            batch.clocks[conversationId] = stored
            for (index, fact) in new.enumerated() {
                let origin = try self.origin(of: fact, &batch, in: txn).numbers
                let record = FactRecord(
                    kind: fact.kind, order: FactRecord.order(position: event.position, index: index), conversation: stored.conversation,
                    inbox: origin.inbox, channel: origin.channel, channelType: origin.channelType,
                    user: try fact.userId.map { try number($0, &batch, in: txn) } ?? FactNames.none, at: fact.at, seconds: fact.seconds)
                try txn.put(facts, key: AnalyticsRows.factKey(record), value: AnalyticsRows.factValue(record))
            }
        }
        for (conversationId, stored) in batch.clocks {
            try txn.put(clocks, key: Array(conversationId.utf8), value: stored.binary)
        }
        if let next = batch.nextName { try txn.put(names, key: Self.nextNameKey, value: Self.bytes(next)) }
        if let next = batch.nextConversation { try txn.put(names, key: Self.nextConversationKey, value: Self.bytes(next)) }
    }

    private static let conversationPrefix = Array("conversation-".utf8)

    /// The id of a `conversation-<id>` stream; nil for other streams. (Read on the UTF-8 bytes: `StreamID`'s
    /// `category` and `id` walk characters, which showed in replay profiles.)
    static func conversationId(_ stream: StreamID) -> String? {
        var raw = stream.rawValue
        return raw.withUTF8 { bytes in
            let prefix = conversationPrefix.count
            guard bytes.count >= prefix, memcmp(bytes.baseAddress!, conversationPrefix, prefix) == 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[prefix...]), as: UTF8.self)
        }
    }

    /// A fact's inbox, channel and channel type, with their numbers.
    private struct Origin {
        var inboxId: String, channelId: String, channelType: String
        var numbers: (inbox: UInt32, channel: UInt32, channelType: UInt32)
    }

    /// What a batch keeps in memory between its events.
    private struct Batch {
        var clocks: [String: StoredClock] = [:]
        var numbers: [String: UInt32] = [:]
        var lastOrigin: Origin?
        var nextName: UInt32?
        var nextConversation: UInt32?
    }

    private func clock(_ conversationId: String, _ batch: inout Batch, in txn: borrowing WriteTransaction) throws -> StoredClock {
        if let known = batch.clocks[conversationId] { return known }
        if let bytes = try txn.value(clocks, for: Array(conversationId.utf8)) { return try StoredClock(binary: bytes) }
        let next = try batch.nextConversation ?? counter(Self.nextConversationKey, in: txn)
        batch.nextConversation = next + 1
        return StoredClock(conversation: next, clock: ConversationClock())
    }

    /// The numbers of the fact's inbox, channel and channel type. Consecutive facts mostly share them, so the
    /// last ones are kept: comparing three strings costs less than hashing them.
    private func origin(of fact: AnalyticsFact, _ batch: inout Batch, in txn: borrowing WriteTransaction) throws -> Origin {
        if let last = batch.lastOrigin, last.inboxId == fact.inboxId, last.channelId == fact.channelId,
            last.channelType == fact.channelType
        {
            return last
        }
        let origin = Origin(
            inboxId: fact.inboxId, channelId: fact.channelId, channelType: fact.channelType,
            numbers: (
                try number(fact.inboxId, &batch, in: txn), try number(fact.channelId, &batch, in: txn),
                try number(fact.channelType, &batch, in: txn)
            ))
        batch.lastOrigin = origin
        return origin
    }

    /// The number of `name`, numbering it when it is new.
    private func number(_ name: String, _ batch: inout Batch, in txn: borrowing WriteTransaction) throws -> UInt32 {
        if let known = batch.numbers[name] { return known }
        let number: UInt32
        if let stored = try txn.value(names, for: Self.numberKey(name)) {
            number = try Self.number(stored)
        } else {
            number = try batch.nextName ?? counter(Self.nextNameKey, in: txn)
            batch.nextName = number + 1
            try txn.put(names, key: Self.numberKey(name), value: Self.bytes(number))
            try txn.put(names, key: Self.nameKey(number), value: Array(name.utf8))
        }
        batch.numbers[name] = number
        return number
    }

    /// A stored counter's next number; numbers start at 1 (0 is `FactNames.none`).
    private func counter(_ key: [UInt8], in txn: borrowing WriteTransaction) throws -> UInt32 {
        try txn.value(names, for: key).map { try Self.number($0) } ?? 1
    }

    // Keys of `names`: 0 for counters, 1 + name -> number, 2 + number -> name.
    static let nextNameKey: [UInt8] = [0, 1]
    static let nextConversationKey: [UInt8] = [0, 2]
    static func numberKey(_ name: String) -> [UInt8] { [1] + Array(name.utf8) }
    static func nameKey(_ number: UInt32) -> [UInt8] { [2] + withUnsafeBytes(of: number.bigEndian) { Array($0) } }
    static func bytes(_ number: UInt32) -> [UInt8] { withUnsafeBytes(of: number.littleEndian) { Array($0) } }

    static func number(_ bytes: UnsafeRawBufferPointer) throws(AnalyticsRows.Malformed) -> UInt32 {
        guard bytes.count == 4 else { throw AnalyticsRows.Malformed(description: "analytics name number of \(bytes.count) bytes") }
        return UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self))
    }
}
