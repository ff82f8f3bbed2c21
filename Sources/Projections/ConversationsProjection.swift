import Foundation
import InboxCore
import LMDB

/// Conversations, their messages and comments, contacts, and the indexes the inbox views read newest first.
/// Contacts live here too: which contact a conversation belongs to follows from identity claims, so both must be
/// rebuilt together.
public final class ConversationsProjection: Projection {
    public let name = "conversations"
    public let version: UInt32 = 6
    /// The longest preview kept.
    static let previewLength = 140
    /// The most search text kept per conversation.
    static let searchTextLimit = 16_384

    let conversations: Database
    let messages: Database
    let comments: Database
    /// `<index name>\0<value>\0<newest-first time><conversation id>` -> empty.
    let listIndex: Database
    let contacts: Database
    /// Conversation id -> lowercased subject and message texts, for `q` (kept out of the records the lists read).
    let searchText: Database
    /// Identity stream -> contact id.
    let identityContacts: Database
    /// Identity stream \0 conversation id -> empty: conversations a visitor identity wrote from.
    let identityConversations: Database
    /// `<inbox id>\0<Message-ID>` -> conversation id: the emails of each inbox, ours and the contacts', for threading.
    let emailMessageIds: Database
    /// Reply message id -> `OutboxEntry`: replies a delivery worker still has to send.
    let outbox: Database

    public init(environment: Environment) throws {
        conversations = try environment.openDatabase("conversations.records")
        messages = try environment.openDatabase("conversations.messages")
        comments = try environment.openDatabase("conversations.comments")
        listIndex = try environment.openDatabase("conversations.listIndex")
        contacts = try environment.openDatabase("conversations.contacts")
        searchText = try environment.openDatabase("conversations.searchText")
        identityContacts = try environment.openDatabase("conversations.identityContacts")
        identityConversations = try environment.openDatabase("conversations.identityConversations")
        emailMessageIds = try environment.openDatabase("conversations.emailMessageIds")
        outbox = try environment.openDatabase("conversations.outbox")
    }

    public func handles(_ type: String) -> Bool {
        ConversationEvent.owns(type) || ContactEvent.owns(type) || DeliveryEvent.owns(type)
    }

    public func reset(in txn: borrowing WriteTransaction) throws {
        for database in [
            conversations, messages, comments, listIndex, contacts, searchText, identityContacts, identityConversations,
            emailMessageIds, outbox,
        ] {
            try txn.clear(database)
        }
    }

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if let contactEvent = try ContactEvent(event) {
            try apply(contactEvent, in: txn)
            return
        }
        if let delivery = try DeliveryEvent(event) {
            try apply(delivery, in: txn)
            return
        }
        guard let conversationEvent = try ConversationEvent(event) else { return }
        switch conversationEvent {
        case .started(let started):
            try start(
                id: started.conversationId, inboxId: started.inboxId, channelId: started.channelId,
                channelType: started.channelType, status: "open", subject: started.subject, visitor: started.visitor,
                contactId: started.contactId, version: event.streamVersion, in: txn)
            return
        case .filtered(let filtered):
            try start(
                id: filtered.conversationId, inboxId: filtered.inboxId, channelId: filtered.channelId,
                channelType: filtered.channelType, status: "filtered", subject: filtered.subject, visitor: filtered.visitor,
                contactId: filtered.contactId, version: event.streamVersion, in: txn)
            return
        default:
            break
        }
        guard let id = Self.conversationId(of: conversationEvent),
            var record = try storedRecord(id, in: txn)
        else { return }
        let before = record
        record.version = event.streamVersion
        switch conversationEvent {
        case .started, .filtered:
            return
        case .messageReceived(let message), .messageFiltered(let message):
            record.inboundMessages += 1
            try addMessage(MessageView(message, authorId: record.contactId), to: &record, in: txn)
            if let messageId = message.email?.messageId { try indexEmail(messageId, of: record, in: txn) }
        case .replyPosted(let reply):
            // Replying means the author has read what they answered.
            record.readBy[reply.authorId] = record.inboundMessages
            try addMessage(MessageView(reply), to: &record, in: txn)
            if let email = reply.email { try indexEmail(email.messageId, of: record, in: txn) }
            if reply.delivery == "queued" { try enqueue(reply, channelType: record.channelType, due: reply.postedAt, in: txn) }
        case .assigned(let assigned):
            record.assigneeId = assigned.assigneeId
        case .commentAdded(let added):
            let comment = CommentView(
                id: added.commentId, authorId: added.authorId, text: added.text, mentions: added.mentions, at: added.addedAt)
            try txn.put(comments, key: Self.itemKey(id, record.commentCount), value: try ViewCoding.encode(comment))
            record.commentCount += 1
        case .closed:
            record.status = "closed"
        case .reopened:
            record.status = "open"
        case .contactLinked(let linked):
            record.contactId = linked.contactId
        case .markedRead(let read):
            record.readBy[read.userId] = max(record.readBy[read.userId] ?? 0, read.inboundMessages)
        case .botReplied(let reply):
            try addMessage(MessageView(reply), to: &record, in: txn)
        case .botSessionStarted, .botEmailCaptured, .botHandedOff, .botResolved:
            break
        }
        try save(record, replacing: before, in: txn)
    }

    private func start(
        id: String, inboxId: String, channelId: String, channelType: String, status: String, subject: String?,
        visitor: Visitor, contactId: String?, version: UInt64, in txn: borrowing WriteTransaction
    ) throws {
        let identities = Identity.of(visitor, channelId: channelId)
        var contactId = contactId
        for identity in identities {
            try txn.put(identityConversations, key: Self.identityKey(identity) + Array(id.utf8), value: [])
            if contactId == nil, let owner = try txn.value(identityContacts, for: Array(identity.stream.rawValue.utf8)) {
                contactId = String(decoding: owner, as: UTF8.self)
            }
        }
        let record = ConversationRecord(
            id: id, inboxId: inboxId, channelId: channelId, channelType: channelType, status: status, assigneeId: nil,
            contactId: contactId,
            // Its first message, in the same append, sets the real time (`sentAt` when the channel gave one).
            subject: subject, preview: "", lastMessageAt: .distantPast, version: version, visitor: visitor,
            inboundMessages: 0, readBy: [:], messageCount: 0, commentCount: 0)
        try txn.put(searchText, key: Array(id.utf8), value: Array((subject ?? "").lowercased().utf8))
        try save(record, replacing: nil, in: txn)
    }

    private func apply(_ event: ContactEvent, in txn: borrowing WriteTransaction) throws {
        switch event {
        case .created(let created):
            let contact = ContactView(
                id: created.contactId, email: created.email, name: created.name, phone: created.phone,
                company: created.company, createdAt: created.createdAt)
            try ViewCoding.put(contact, contacts, created.contactId, in: txn)
        case .identityClaimed(let claimed):
            try txn.put(identityContacts, key: Array(claimed.identity.stream.rawValue.utf8), value: Array(claimed.contactId.utf8))
            // Every conversation this identity wrote from belongs to the contact now.
            for key in try ViewCoding.keys(identityConversations, prefix: Self.identityKey(claimed.identity), in: txn) {
                let conversationId = String(decoding: key, as: UTF8.self)
                guard var record = try storedRecord(conversationId, in: txn),
                    record.contactId == nil
                else { continue }
                let before = record
                record.contactId = claimed.contactId
                try save(record, replacing: before, in: txn)
            }
        }
    }

    func addMessage(_ message: MessageView, to record: inout ConversationRecord, in txn: borrowing WriteTransaction) throws {
        try txn.put(messages, key: Self.itemKey(record.id, record.messageCount), value: try ViewCoding.encode(message))
        record.messageCount += 1
        record.preview = String(message.text.prefix(Self.previewLength))
        record.lastMessageAt = max(record.lastMessageAt, message.at)
        let key = Array(record.id.utf8)
        var text = try txn.value(searchText, for: key).map { Array($0) } ?? []
        if text.count < Self.searchTextLimit {
            text += Array(("\n" + message.text.lowercased()).utf8)
            try txn.put(searchText, key: key, value: text)
        }
    }

    /// Writes the record and moves its index entries from where `before` had them.
    func save(_ record: ConversationRecord, replacing before: ConversationRecord?, in txn: borrowing WriteTransaction) throws {
        let old = before.map(Self.indexKeys) ?? []
        let new = Self.indexKeys(record)
        for key in old where !new.contains(key) { try txn.delete(listIndex, key: key) }
        for key in new where !old.contains(key) { try txn.put(listIndex, key: key, value: []) }
        try txn.put(conversations, key: Array(record.id.utf8), value: record.binary)
    }

    /// The conversation row, in its binary form (`ConversationRecord+Binary`).
    func storedRecord(_ id: String, in txn: borrowing some Transaction & ~Copyable) throws -> ConversationRecord? {
        try txn.value(conversations, for: Array(id.utf8)).map { try ConversationRecord(binary: $0) }
    }

    // MARK: Keys

    /// The index entries of a record: one per way the views list conversations.
    static func indexKeys(_ record: ConversationRecord) -> [[UInt8]] {
        // Listed from its first message on (it follows `started` in the same append): this saves moving every
        // index entry when that message sets the real time.
        guard record.messageCount > 0 else { return [] }
        let tail = ViewCoding.newestFirst(record.lastMessageAt) + Array(record.id.utf8)
        var keys = [
            indexPrefix(.all, "") + tail,
            indexPrefix(.inbox, record.inboxId) + tail,
            indexPrefix(.assignee, record.assigneeId ?? "") + tail,
        ]
        if let contactId = record.contactId { keys.append(indexPrefix(.contact, contactId) + tail) }
        return keys
    }

    enum Index: String { case all, inbox, assignee, contact }

    static func indexPrefix(_ index: Index, _ value: String) -> [UInt8] {
        ViewCoding.component(index.rawValue) + ViewCoding.component(value)
    }

    static func itemKey(_ conversationId: String, _ sequence: Int) -> [UInt8] {
        ViewCoding.component(conversationId) + ViewCoding.bigEndian(UInt32(sequence))
    }

    static func identityKey(_ identity: Identity) -> [UInt8] { ViewCoding.component(identity.stream.rawValue) }

    static func conversationId(of event: ConversationEvent) -> String? {
        switch event {
        case .started(let e): e.conversationId
        case .messageReceived(let e): e.conversationId
        case .replyPosted(let e): e.conversationId
        case .assigned(let e): e.conversationId
        case .commentAdded(let e): e.conversationId
        case .closed(let e): e.conversationId
        case .reopened(let e): e.conversationId
        case .contactLinked(let e): e.conversationId
        case .markedRead(let e): e.conversationId
        case .filtered(let e): e.conversationId
        case .messageFiltered(let e): e.conversationId
        case .botSessionStarted(let e): e.conversationId
        case .botReplied(let e): e.conversationId
        case .botEmailCaptured(let e): e.conversationId
        case .botHandedOff(let e): e.conversationId
        case .botResolved(let e): e.conversationId
        }
    }
}
