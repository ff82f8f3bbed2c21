import Foundation
import InboxCore
import Projections

extension ConversationCommandRoutes {
    /// The email a reply on `record` becomes: from the channel's address to the contact, `Re:` the subject,
    /// threaded under the newest email of the conversation.
    func outboundEmail(replying record: ConversationRecord, messageId: String) throws -> OutboundEmail {
        try backend.read { txn in
            guard let channel = try backend.views.directory.emailChannel(record.channelId, in: txn), let from = channel.address else {
                throw APIError.conflict("The conversation's email channel is gone.", code: "channel_unavailable")
            }
            let contactEmail = try record.contactId.flatMap { try backend.views.conversations.contact($0, in: txn)?.email }
            guard let to = contactEmail ?? record.visitor.email else {
                throw APIError.unprocessable("The conversation has no email address to reply to.")
            }
            let inboxName = try backend.views.directory.inbox(record.inboxId, in: txn)?.name
            let latest = try backend.views.conversations.messages(of: record.id, in: txn).last { $0.emailMessageId != nil }
            return OutboundEmail(
                from: from, fromName: inboxName, to: [to], subject: OutboundEmail.replySubject(record.subject),
                messageId: "<\(messageId)@\(backend.configuration.mailDomain)>", inReplyTo: latest?.emailMessageId,
                references: OutboundEmail.references(answering: latest?.emailMessageId, chain: latest?.emailReferences ?? []))
        }
    }
}
