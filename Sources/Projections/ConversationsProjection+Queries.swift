import Foundation
import InboxCore
import LMDB

/// One page of a conversation list.
public struct ConversationPage: Sendable {
    public var records: [ConversationRecord]
    /// Where the next page starts, when there is one: the index key of the last record returned.
    public var nextKey: [UInt8]?
}

/// Why a list cannot be read.
public struct InvalidCursor: Error, Sendable {}

extension ConversationsProjection {
    public func record(_ id: String, in txn: borrowing ReadTransaction) throws -> ConversationRecord? {
        try storedRecord(id, in: txn)
    }

    /// A conversation's messages, oldest first.
    public func messages(of id: String, in txn: borrowing ReadTransaction) throws -> [MessageView] {
        try ViewCoding.rows(MessageView.self, messages, prefix: ViewCoding.component(id), in: txn)
    }

    /// A conversation's internal comments, oldest first.
    public func comments(of id: String, in txn: borrowing ReadTransaction) throws -> [CommentView] {
        try ViewCoding.rows(CommentView.self, comments, prefix: ViewCoding.component(id), in: txn)
    }

    public func contact(_ id: String, in txn: borrowing ReadTransaction) throws -> ContactView? {
        try ViewCoding.row(ContactView.self, contacts, id, in: txn)
    }

    /// The contact that claimed `identity`, if any.
    public func contactId(holding identity: Identity, in txn: borrowing ReadTransaction) throws -> String? {
        try txn.value(identityContacts, for: Array(identity.stream.rawValue.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Conversations admitted by `filter`, newest `lastMessageAt` first, `limit` at most, after the index key
    /// `after` (from a previous page). Walks the narrowest index the filter allows.
    public func list(
        _ filter: ConversationFilter, limit: Int, after: [UInt8]?, in txn: borrowing ReadTransaction
    ) throws -> ConversationPage {
        let prefix = Self.narrowestPrefix(filter)
        let page = try ViewCoding.page(listIndex, prefix: prefix, limit: limit, after: after, in: txn) { key, _ -> ConversationRecord? in
            let id = String(decoding: key.dropFirst(prefix.count + 8), as: UTF8.self)
            guard let record = try storedRecord(id, in: txn), filter.admits(record),
                try filter.words.isEmpty || filter.matches(searchText: searchText(of: id, in: txn))
            else { return nil }
            return record
        }
        return ConversationPage(records: page.items, nextKey: page.nextKey)
    }

    /// Every conversation admitted by `filter`, newest first.
    public func all(_ filter: ConversationFilter, in txn: borrowing ReadTransaction) throws -> [ConversationRecord] {
        var records: [ConversationRecord] = []
        var after: [UInt8]?
        repeat {
            let page = try list(filter, limit: 500, after: after, in: txn)
            records += page.records
            after = page.nextKey
        } while after != nil
        return records
    }

    private func searchText(of id: String, in txn: borrowing ReadTransaction) throws -> String {
        try txn.value(searchText, for: Array(id.utf8)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func narrowestPrefix(_ filter: ConversationFilter) -> [UInt8] {
        if let contactId = filter.contactId { return indexPrefix(.contact, contactId) }
        switch filter.assignee {
        case .user(let userId): return indexPrefix(.assignee, userId)
        case .unassigned: return indexPrefix(.assignee, "")
        case nil: break
        }
        if let inboxId = filter.inboxId { return indexPrefix(.inbox, inboxId) }
        return indexPrefix(.all, "")
    }
}
