import EmailChannel
import Foundation
import InboxCore
import Logging
import Projections

/// Where SMTP hands its mail: decides which addresses are ours, and turns each message into an inbound message
/// of every inbox it was addressed to, answering only once that is durable.
struct EmailIntake: MailReceiver {
    let backend: Backend
    let logger: Logger

    /// Where mail for one address goes: an email channel, and the conversation a reply address names.
    struct Destination: Sendable {
        var channel: ChannelView
        var conversationId: String?
    }

    func acceptsRecipient(_ address: String) async -> Bool {
        do {
            return try destination(address) != nil
        } catch {
            logger.error("Could not look up an SMTP recipient", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// A channel's address or an inbox's fallback address, or either with `+<conversation id>` (the reply address
    /// of a conversation) or any other `+tag`. Only the views are read: no stream name is made from the address.
    func destination(_ address: String) throws -> Destination? {
        let address = EmailAddress.normalize(address)
        return try backend.read { txn in
            if let channel = try backend.views.directory.emailChannel(address: address, in: txn) {
                return Destination(channel: channel, conversationId: nil)
            }
            guard let at = address.lastIndex(of: "@"), let plus = address[..<at].firstIndex(of: "+") else { return nil }
            let base = String(address[..<plus] + address[at...])
            guard let channel = try backend.views.directory.emailChannel(address: base, in: txn) else { return nil }
            // Only a conversation id names a conversation; any other tag is just the channel's address.
            let tag = address[address.index(after: plus)..<at]
            return Destination(channel: channel, conversationId: Identifiers.isWellFormed(tag) ? String(tag) : nil)
        }
    }

    func receive(_ mail: ReceivedMail) async throws {
        var destinations: [Destination] = []
        for recipient in mail.recipients {
            // One message per inbox: the same mail to two of its addresses is one conversation.
            if let destination = try destination(recipient), !destinations.contains(where: { $0.channel.inboxId == destination.channel.inboxId }) {
                destinations.append(destination)
            }
        }
        guard !destinations.isEmpty else { throw MailRejection.permanent("No recipient of this message is served here") }
        let parsed = MailParser.parse(mail.data)
        let message = InboundEmailMessage(mail: mail, parsed: parsed)
        for destination in destinations {
            do {
                let result = try await MessageIntake(backend: backend).accept(try delivery(of: message, to: destination))
                logger.info(
                    result.duplicate ? "Email was delivered before" : "Email received",
                    metadata: [
                        "email.conversation": "\(result.conversationId)", "email.message": "\(result.messageId)",
                        "email.inbox": "\(destination.channel.inboxId)", "email.defects": "\(parsed.defects.count)",
                    ])
            } catch {
                logger.error("Could not store an email", metadata: ["error": "\(error)", "email.inbox": "\(destination.channel.inboxId)"])
                throw MailRejection.temporary("Could not store the message; try again later")
            }
        }
    }

    private func delivery(of message: InboundEmailMessage, to destination: Destination) throws -> InboundDelivery {
        let channel = destination.channel
        let filters = try backend.read { txn in try backend.views.directory.inbox(channel.inboxId, in: txn)?.emailFilters }
        var delivery = InboundDelivery(
            channel: channel, actor: ActorRef(kind: .contact, id: message.visitor.email ?? message.visitor.externalId ?? "unknown"),
            visitor: message.visitor, text: message.parsed.text, html: message.parsed.html, subject: message.parsed.subject,
            sentAt: message.parsed.date)
        delivery.externalMessageId = message.dedupeKey
        delivery.dedupeStream = ChannelEvent.emailStream(inboxId: channel.inboxId, messageId: message.dedupeKey)
        delivery.attachments = message.attachments.isEmpty ? nil : message.attachments
        delivery.email = message.details
        delivery.blobs = message.blobs
        delivery.filteredBecause = (filters ?? EmailFilters()).verdict(sender: message.visitor.email, isAutomatic: message.isAutomatic)
        delivery.thread = try thread(of: message, in: channel.inboxId, replyAddressNames: destination.conversationId)
        return delivery
    }

    /// The conversation a reply address names, else the newest message the email answers that an inbox
    /// conversation holds (its `In-Reply-To`, then its `References` from the newest back).
    private func thread(of message: InboundEmailMessage, in inboxId: String, replyAddressNames conversationId: String?) throws -> InboundDelivery.Thread {
        if let conversationId { return .conversation(conversationId) }
        let candidates = message.parsed.inReplyTo + message.parsed.references.reversed()
        return try backend.read { txn in
            for messageId in candidates {
                if let id = try backend.views.conversations.conversationId(inboxId: inboxId, emailMessageId: messageId, in: txn) {
                    return .conversation(id)
                }
            }
            return .new
        }
    }
}

/// An SMTP message read once for all the inboxes it goes to.
struct InboundEmailMessage: Sendable {
    var parsed: ParsedMail
    var visitor: Visitor
    var attachments: [Attachment]
    var details: InboundEmail
    var blobs: [Blob]
    /// What deduplicates it: its `Message-ID`, or for mail without one, its content.
    var dedupeKey: String
    var isAutomatic: Bool

    /// Longer ids are not worth keeping as ids (and would not fit the views' LMDB keys).
    static let maxMessageIdLength = 400

    init(mail: ReceivedMail, parsed: ParsedMail) {
        self.parsed = parsed
        let source = Blob(Data(mail.data))
        var blobs = [source]
        attachments = parsed.attachments.map { part in
            let blob = Blob(part.data)
            if !blobs.contains(where: { $0.digest == blob.digest }) { blobs.append(blob) }
            return Attachment(
                name: part.filename, contentType: part.contentType, size: part.data.count, blob: blob.digest,
                contentId: part.contentID, inline: part.isInline)
        }
        self.blobs = blobs
        let validId = { (id: String) in id.utf8.count <= Self.maxMessageIdLength }
        let messageId = parsed.messageID.flatMap { validId($0) ? $0 : nil }
        dedupeKey = messageId ?? "<\(source.digest)@sha256.invalid>"
        details = InboundEmail(
            messageId: messageId, inReplyTo: parsed.inReplyTo.filter(validId), references: parsed.references.filter(validId),
            envelopeFrom: mail.sender, recipients: mail.recipients.map(EmailAddress.normalize), source: source.digest)
        visitor = Self.visitor(from: parsed.from, envelopeSender: mail.sender)
        // The null sender is how bounces and other notifications come: never something to answer.
        isAutomatic = parsed.autoSubmitted != nil || mail.sender == nil
    }

    /// The `From` address, else the envelope's; a sender with neither usable is still kept, by name.
    static func visitor(from: MailAddress?, envelopeSender: String?) -> Visitor {
        let name = from?.name.flatMap { $0.isEmpty ? nil : $0 }
        for candidate in [from?.address, envelopeSender].compactMap({ $0 }).map(EmailAddress.normalize)
        where EmailAddress.isValid(candidate) {
            return Visitor(email: candidate, name: name)
        }
        return Visitor(externalId: "unknown-sender", name: name)
    }
}
