import Foundation
import InboxCore
import LMDB

extension DirectoryProjection {
    public func user(_ id: String, in txn: borrowing ReadTransaction) throws -> UserView? {
        try ViewCoding.row(UserView.self, users, id, in: txn)
    }

    public func users(in txn: borrowing ReadTransaction) throws -> [UserView] {
        try ViewCoding.rows(UserView.self, users, in: txn)
    }

    /// The user holding the API token whose SHA-256 is `tokenHash`.
    public func userId(tokenHash: String, in txn: borrowing ReadTransaction) throws -> String? {
        try txn.value(tokens, for: Array(tokenHash.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The user registered with (normalised) `email`.
    public func userId(email: String, in txn: borrowing ReadTransaction) throws -> String? {
        try txn.value(usersByEmail, for: Array(EmailAddress.normalize(email).utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    public func team(_ id: String, in txn: borrowing ReadTransaction) throws -> TeamView? {
        try ViewCoding.row(TeamView.self, teams, id, in: txn)
    }

    public func teams(in txn: borrowing ReadTransaction) throws -> [TeamView] {
        try ViewCoding.rows(TeamView.self, teams, in: txn)
    }

    public func inbox(_ id: String, in txn: borrowing ReadTransaction) throws -> InboxView? {
        try ViewCoding.row(InboxView.self, inboxes, id, in: txn)
    }

    public func inboxes(in txn: borrowing ReadTransaction) throws -> [InboxView] {
        try ViewCoding.rows(InboxView.self, inboxes, in: txn)
    }

    public func channel(_ id: String, in txn: borrowing ReadTransaction) throws -> ChannelView? {
        try ViewCoding.row(ChannelView.self, channels, id, in: txn)
    }

    public func channels(inboxId: String, in txn: borrowing ReadTransaction) throws -> [ChannelView] {
        try ViewCoding.rows(ChannelView.self, channels, in: txn).filter { $0.inboxId == inboxId }
    }

    /// The email channel that mail for `address` reaches: a connected address's channel, or an inbox's fallback
    /// address as a channel whose id is the inbox's.
    public func emailChannel(address: String, in txn: borrowing ReadTransaction) throws -> ChannelView? {
        guard let id = try txn.value(mailAddresses, for: Array(EmailAddress.normalize(address).utf8)) else { return nil }
        return try emailChannel(String(decoding: id, as: UTF8.self), in: txn)
    }

    /// The email channel `id`: a connected one, or the fallback address of the inbox `id`.
    public func emailChannel(_ id: String, in txn: borrowing ReadTransaction) throws -> ChannelView? {
        if let channel = try channel(id, in: txn) { return channel.type == "email" ? channel : nil }
        guard let inbox = try inbox(id, in: txn) else { return nil }
        return ChannelView(id: inbox.id, inboxId: inbox.id, type: "email", name: inbox.name, address: inbox.fallbackEmail)
    }

    /// The Messenger channel of the Facebook Page `pageId`.
    public func messengerChannel(pageId: String, in txn: borrowing ReadTransaction) throws -> ChannelView? {
        guard let id = try txn.value(messengerPages, for: Array(pageId.utf8)) else { return nil }
        return try channel(String(decoding: id, as: UTF8.self), in: txn)
    }

    /// Every Messenger channel's verify token, for the webhook subscription handshake.
    public func messengerVerifyTokens(in txn: borrowing ReadTransaction) throws -> [String] {
        try ViewCoding.rows(ChannelView.self, channels, in: txn).compactMap(\.messenger?.verifyToken)
    }

    /// Every Messenger channel's app secret.
    public func messengerAppSecrets(in txn: borrowing ReadTransaction) throws -> [String] {
        try ViewCoding.rows(ChannelView.self, channels, in: txn).compactMap(\.messenger?.appSecret)
    }

    /// The inboxes `userId` works in: as a member, or as a member of one of the inbox's teams.
    public func inboxIds(memberId userId: String, in txn: borrowing ReadTransaction) throws -> Set<String> {
        let teamIds = Set(try teams(in: txn).filter { $0.memberIds.contains(userId) }.map(\.id))
        return Set(try inboxes(in: txn).filter { inbox in
            inbox.memberIds.contains(userId) || inbox.teamIds.contains(where: teamIds.contains)
        }.map(\.id))
    }

    public func webhook(_ id: String, in txn: borrowing ReadTransaction) throws -> WebhookView? {
        try ViewCoding.row(WebhookView.self, webhooks, id, in: txn)
    }

    public func webhooks(in txn: borrowing ReadTransaction) throws -> [WebhookView] {
        try ViewCoding.rows(WebhookView.self, webhooks, in: txn)
    }
}
