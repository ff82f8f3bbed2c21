import Foundation
import InboxCore
import LMDB

/// Users, tokens, teams, inboxes and channels: the small tables every request consults.
public final class DirectoryProjection: Projection {
    public let name = "directory"
    public let version: UInt32 = 5

    let users: Database
    let usersByEmail: Database
    let tokens: Database
    let teams: Database
    let inboxes: Database
    let channels: Database
    let webhooks: Database
    /// Lowercased email address -> the email channel it reaches (an inbox's fallback address: the inbox's id).
    let mailAddresses: Database
    /// Facebook Page id -> its Messenger channel.
    let messengerPages: Database

    public init(environment: Environment) throws {
        users = try environment.openDatabase("directory.users")
        usersByEmail = try environment.openDatabase("directory.usersByEmail")
        tokens = try environment.openDatabase("directory.tokens")
        teams = try environment.openDatabase("directory.teams")
        inboxes = try environment.openDatabase("directory.inboxes")
        channels = try environment.openDatabase("directory.channels")
        webhooks = try environment.openDatabase("directory.webhooks")
        mailAddresses = try environment.openDatabase("directory.mailAddresses")
        messengerPages = try environment.openDatabase("directory.messengerPages")
    }

    public func handles(_ type: String) -> Bool {
        UserEvent.owns(type) || TeamEvent.owns(type) || InboxEvent.owns(type) || [.connected, .credentialsSet].contains(ChannelEvent.Tag(rawValue: type))
            || WebhookEvent.Tag(rawValue: type).map { $0 != .attempted } == true
    }

    public func reset(in txn: borrowing WriteTransaction) throws {
        for database in [users, usersByEmail, tokens, teams, inboxes, channels, webhooks, mailAddresses, messengerPages] { try txn.clear(database) }
    }

    public func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws {
        if let user = try UserEvent(event) {
            try apply(user, in: txn)
        } else if let team = try TeamEvent(event), case .created(let created) = team {
            try ViewCoding.put(TeamView(id: created.teamId, name: created.name, memberIds: created.memberIds), teams, created.teamId, in: txn)
        } else if let inbox = try InboxEvent(event) {
            try apply(inbox, in: txn)
        } else if let channel = try ChannelEvent(event), case .connected(let connected) = channel {
            let view = ChannelView(
                id: connected.channelId, inboxId: connected.inboxId, type: connected.type, name: connected.name,
                address: connected.address, bot: connected.bot, pageId: connected.pageId, fields: connected.fields)
            try ViewCoding.put(view, channels, connected.channelId, in: txn)
            if connected.type == "email", let address = connected.address {
                try txn.put(mailAddresses, key: Array(EmailAddress.normalize(address).utf8), value: Array(connected.channelId.utf8))
            }
            if let pageId = connected.pageId {
                try txn.put(messengerPages, key: Array(pageId.utf8), value: Array(connected.channelId.utf8))
            }
        } else if let channel = try ChannelEvent(event), case .credentialsSet(let credentials) = channel {
            guard var view = try ViewCoding.row(ChannelView.self, channels, credentials.channelId, in: txn) else { return }
            view.messenger = credentials.messenger
            try ViewCoding.put(view, channels, credentials.channelId, in: txn)
        } else if let webhook = try WebhookEvent(event) {
            switch webhook {
            case .registered(let registered):
                let view = WebhookView(
                    id: registered.webhookId, url: registered.url, eventTypes: registered.eventTypes, active: true,
                    disabledReason: nil, createdAt: registered.registeredAt)
                try ViewCoding.put(view, webhooks, registered.webhookId, in: txn)
            case .disabled(let disabled):
                guard var view = try ViewCoding.row(WebhookView.self, webhooks, disabled.webhookId, in: txn) else { return }
                view.active = false
                view.disabledReason = disabled.reason
                try ViewCoding.put(view, webhooks, disabled.webhookId, in: txn)
            case .attempted:
                break
            }
        }
    }

    private func apply(_ event: UserEvent, in txn: borrowing WriteTransaction) throws {
        switch event {
        case .registered(let registered):
            let user = UserView(
                id: registered.userId, name: registered.name, email: registered.email, role: registered.role, available: true)
            try ViewCoding.put(user, users, registered.userId, in: txn)
            try txn.put(usersByEmail, key: Array(registered.email.utf8), value: Array(registered.userId.utf8))
        case .tokenIssued(let issued):
            try txn.put(tokens, key: Array(issued.tokenHash.utf8), value: Array(issued.userId.utf8))
        case .availabilityChanged(let changed):
            guard var user = try ViewCoding.row(UserView.self, users, changed.userId, in: txn) else { return }
            user.available = changed.available
            try ViewCoding.put(user, users, changed.userId, in: txn)
        case .emailClaimed:
            break
        }
    }

    private func apply(_ event: InboxEvent, in txn: borrowing WriteTransaction) throws {
        switch event {
        case .created(let created):
            let inbox = InboxView(
                id: created.inboxId, name: created.name, memberIds: created.memberIds, teamIds: created.teamIds,
                fallbackEmail: created.fallbackEmail, routing: .manual, emailFilters: EmailFilters())
            try ViewCoding.put(inbox, inboxes, created.inboxId, in: txn)
            try txn.put(mailAddresses, key: Array(EmailAddress.normalize(created.fallbackEmail).utf8), value: Array(created.inboxId.utf8))
        case .membersChanged(let changed):
            guard var inbox = try ViewCoding.row(InboxView.self, inboxes, changed.inboxId, in: txn) else { return }
            inbox.memberIds = changed.memberIds
            inbox.teamIds = changed.teamIds
            try ViewCoding.put(inbox, inboxes, changed.inboxId, in: txn)
        case .addressClaimed:
            break
        case .routingChanged(let changed):
            guard var inbox = try ViewCoding.row(InboxView.self, inboxes, changed.inboxId, in: txn) else { return }
            inbox.routing = changed.routing
            try ViewCoding.put(inbox, inboxes, changed.inboxId, in: txn)
        case .emailFiltersChanged(let changed):
            guard var inbox = try ViewCoding.row(InboxView.self, inboxes, changed.inboxId, in: txn) else { return }
            inbox.emailFilters = changed.filters
            try ViewCoding.put(inbox, inboxes, changed.inboxId, in: txn)
        }
    }
}

/// A user as the API shows it.
public struct UserView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var email: String
    public var role: Role
    public var available: Bool
}

public struct TeamView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var memberIds: [String]
}

public struct InboxView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var memberIds: [String]
    public var teamIds: [String]
    public var fallbackEmail: String
    public var routing: RoutingRule
    public var emailFilters: EmailFilters
}

public struct ChannelView: Codable, Sendable, Equatable {
    public var id: String
    public var inboxId: String
    public var type: String
    public var name: String?
    public var address: String?
    public var bot: ChatBotConfig?
    public var pageId: String?
    public var fields: [FormFieldSpec]?
    /// Secrets: for the Messenger endpoints and deliveries only, never shown.
    public var messenger: MessengerCredentials?
}

/// A webhook as the API shows it (never its secret).
public struct WebhookView: Codable, Sendable, Equatable {
    public var id: String
    public var url: String
    public var eventTypes: [String]
    public var active: Bool
    public var disabledReason: String?
    public var createdAt: Date
}
