import Foundation
import InboxCore
import LMDB

/// Which facts a report counts: those of the inboxes `includes` keeps, that happened in [`from`, `to`), from the
/// events up to log position `upTo` (all when nil).
public struct AnalyticsQuery: Sendable {
    public var includes: @Sendable (_ inboxId: String) -> Bool
    public var from: Date?
    public var to: Date?
    public var upTo: UInt64?

    public init(includes: @escaping @Sendable (_ inboxId: String) -> Bool, from: Date? = nil, to: Date? = nil, upTo: UInt64? = nil) {
        self.includes = includes
        self.from = from
        self.to = to
        self.upTo = upTo
    }
}

extension AnalyticsProjection {
    public func agents(_ query: AnalyticsQuery, in txn: borrowing ReadTransaction) throws -> [Reports.AgentRow] {
        let names = try factNames(in: txn)
        var tally = AgentsTally()
        try scan(query, names: names, in: txn) { tally.add($0) }
        return tally.rows(names: names)
    }

    public func responseTimes(
        _ query: AnalyticsQuery, grouping: ResponseTimeGrouping, in txn: borrowing ReadTransaction
    ) throws -> [Reports.ResponseTimeRow] {
        let names = try factNames(in: txn)
        var tally = ResponseTimesTally(grouping: grouping, names: names)
        try scan(query, names: names, in: txn) { tally.add($0) }
        return tally.rows()
    }

    public func bots(_ query: AnalyticsQuery, in txn: borrowing ReadTransaction) throws -> [Reports.BotRow] {
        let names = try factNames(in: txn)
        var tally = BotsTally()
        try scan(query, names: names, in: txn) { tally.add($0) }
        return tally.rows(names: names)
    }

    /// The facts `query` selects, as stored with their names, in log order: every fact (for audits and tests).
    public func facts(_ query: AnalyticsQuery, in txn: borrowing ReadTransaction) throws -> (records: [FactRecord], names: FactNames) {
        let names = try factNames(in: txn)
        var records: [FactRecord] = []
        try scan(query, names: names, in: txn) { records.append($0) }
        return (records.sorted { $0.order < $1.order }, names)
    }

    /// Every name the facts number.
    func factNames(in txn: borrowing ReadTransaction) throws -> FactNames {
        try txn.withCursor(names) { cursor in
            var table = FactNames()
            var entry = try cursor.seek(atOrAfter: [2])
            while let current = entry, current.key.first == 2 {
                let name = String(decoding: current.value, as: UTF8.self)
                let number = UInt32(bigEndian: UnsafeRawBufferPointer(rebasing: current.key.dropFirst()).loadUnaligned(as: UInt32.self))
                guard current.key.count == 5, table.number(name) == number else {
                    throw AnalyticsRows.Malformed(description: "analytics names are not numbered from 1 without gaps")
                }
                entry = try cursor.next()
            }
            return table
        }
    }

    /// Calls `body` with each fact `query` selects: inbox by inbox, day by day, seeking past what it leaves out.
    func scan(_ query: AnalyticsQuery, names: FactNames, in txn: borrowing ReadTransaction, _ body: (FactRecord) -> Void) throws {
        let firstDay = query.from.map(AnalyticsRows.day) ?? 0
        let lastDay = query.to.map(AnalyticsRows.day) ?? UInt32.max
        try txn.withCursor(facts) { cursor in
            var entry = try cursor.first()
            var included: (inbox: UInt32, yes: Bool)?
            while let current = entry {
                let (inbox, day, order) = try AnalyticsRows.keyParts(current.key)
                if included?.inbox != inbox { included = (inbox, names.name(inbox).map(query.includes) ?? false) }
                guard included!.yes, day <= lastDay else {
                    // The next inbox, if any.
                    guard inbox < UInt32.max else { break }
                    entry = try cursor.seek(atOrAfter: AnalyticsRows.factKey(inbox: inbox + 1, day: 0, order: 0))
                    continue
                }
                guard day >= firstDay else {
                    entry = try cursor.seek(atOrAfter: AnalyticsRows.factKey(inbox: inbox, day: firstDay, order: 0))
                    continue
                }
                if query.upTo.map({ order >> 8 <= $0 }) ?? true {
                    let record = try AnalyticsRows.record(key: current.key, value: current.value)
                    if query.from.map({ record.at >= $0 }) ?? true, query.to.map({ record.at < $0 }) ?? true { body(record) }
                }
                entry = try cursor.next()
            }
        }
    }
}
