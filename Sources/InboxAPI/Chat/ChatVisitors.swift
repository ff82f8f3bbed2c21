import Foundation
import InboxCore
import Projections

/// A chat visitor as a socket knows them: who, on which channel, and whether the log has them yet.
struct ChatVisitor: Sendable {
    var channel: ChannelView
    var token: ChatVisitorToken
    /// Registered in the log: a visitor who only opened the widget costs nothing until they write.
    var registered: Bool
    var email: String?
    var name: String?

    var visitor: Visitor { Visitor(email: email, externalId: token.visitorId, name: name) }

    /// Who the visitor's events are recorded as.
    var actor: ActorRef { ActorRef(kind: .contact, id: token.visitorId) }

    /// The channel's id of a message the widget numbered `clientMessageId`: unique per visitor.
    func externalMessageId(_ clientMessageId: String) -> String { "\(token.visitorId)/\(clientMessageId)" }

    /// The widget's number of a message whose channel id `externalMessageId` is, when it is this visitor's.
    func clientMessageId(of externalMessageId: String?) -> String? {
        let prefix = token.visitorId + "/"
        return externalMessageId.flatMap { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : nil }
    }
}

/// What a chat visitor can do: come back with their token, write, and say who they are. Every write goes
/// through the log; the visitor's conversation is the thread their visitor id opens on the channel.
struct ChatVisitors: Sendable {
    let backend: Backend

    enum Failure: Error, Equatable {
        case unknownChannel, invalidToken
    }

    /// The visitor a socket speaks for: the one `tokenText` names (checked against the log), or a new one.
    func resume(channelId: String, tokenText: String?) async throws -> ChatVisitor {
        let channel = try backend.read { txn in try backend.views.directory.channel(channelId, in: txn) }
        guard let channel, channel.type == "chat" else { throw Failure.unknownChannel }
        guard let tokenText, !tokenText.isEmpty else {
            let secret = (0..<2).map { _ in Identifiers.make() }.joined()
            return ChatVisitor(channel: channel, token: ChatVisitorToken(visitorId: Identifiers.make(), secret: secret), registered: false)
        }
        guard let token = ChatVisitorToken(tokenText) else { throw Failure.invalidToken }
        var visitor = ChatVisitor(channel: channel, token: token, registered: false)
        for event in try await backend.events(of: ChatEvent.stream(token.visitorId), as: ChatEvent.self) {
            switch event {
            case .visitorRegistered(let registered):
                guard registered.channelId == channelId, token.matches(registered) else { throw Failure.invalidToken }
                visitor.registered = true
            case .visitorIdentified(let identified):
                visitor.email = identified.email
                visitor.name = identified.name ?? visitor.name
            }
        }
        // A well-formed token the log never recorded: its visitor never wrote, so nothing of theirs is lost.
        return visitor
    }

    /// The conversation the visitor's messages go to, once they have written.
    func conversationId(of visitor: ChatVisitor) async throws -> String? {
        let thread = ChannelEvent.threadStream(channelId: visitor.channel.id, externalThreadId: visitor.token.visitorId)
        guard case .threadOpened(let opened)? = try await backend.events(of: thread, as: ChannelEvent.self).first else { return nil }
        return opened.conversationId
    }

    /// Takes a message from the visitor; the same `clientMessageId` again appends nothing.
    func receive(_ text: String, clientMessageId: String?, from visitor: inout ChatVisitor) async throws -> IntakeResult {
        try await register(&visitor)
        var delivery = InboundDelivery(channel: visitor.channel, actor: visitor.actor, visitor: visitor.visitor, text: text)
        delivery.thread = .external(visitor.token.visitorId)
        delivery.bot = visitor.channel.bot
        if let clientMessageId {
            let externalMessageId = visitor.externalMessageId(clientMessageId)
            delivery.externalMessageId = externalMessageId
            delivery.dedupeStream = ChannelEvent.messageStream(channelId: visitor.channel.id, externalMessageId: externalMessageId)
        }
        let result = try await MessageIntake(backend: backend).accept(delivery)
        // `identify` records the email on the visitor (it appends only when the email is new to them).
        if let email = result.capturedEmail { try await identify(email: email, name: nil, visitor: &visitor) }
        return result
    }

    /// The visitor gave their email: recorded on the visitor, and their conversation linked to the contact with
    /// that email (created when there is none).
    func identify(email: String, name: String?, visitor: inout ChatVisitor) async throws {
        let normalized = EmailAddress.normalize(email)
        guard EmailAddress.isValid(normalized) else { throw APIError.unprocessable("Field 'email' is not an email address.") }
        let name = name.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
        try await register(&visitor)
        if visitor.email != normalized || (name != nil && visitor.name != name) {
            let identified = ChatEvent.visitorIdentified(.init(
                channelId: visitor.channel.id, visitorId: visitor.token.visitorId, email: normalized, name: name, at: backend.now()))
            _ = try await backend.commit(AppendBatch([identified.proposed(to: ChatEvent.stream(visitor.token.visitorId), by: visitor.actor)]))
        }
        visitor.email = normalized
        visitor.name = name ?? visitor.name
        if let conversationId = try await conversationId(of: visitor) {
            try await backend.linkContact(
                email: normalized, name: visitor.name, to: conversationId, visitor: visitor.visitor, channelId: visitor.channel.id,
                by: visitor.actor)
        }
    }

    private func register(_ visitor: inout ChatVisitor) async throws {
        guard !visitor.registered else { return }
        let registered = ChatEvent.visitorRegistered(.init(
            channelId: visitor.channel.id, visitorId: visitor.token.visitorId, secretHash: visitor.token.secretHash, at: backend.now()))
        let stream = ChatEvent.stream(visitor.token.visitorId)
        _ = try await backend.commit(AppendBatch([registered.proposed(to: stream, by: visitor.actor)], expectations: [stream: .noStream]))
        visitor.registered = true
    }
}
