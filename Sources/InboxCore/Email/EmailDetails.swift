import Foundation

/// A file that came with a message. Its bytes are the blob `blob` (a SHA-256), stored with the event.
public struct Attachment: Codable, Sendable, Equatable {
    public var name: String?
    /// Lowercased `type/subtype`.
    public var contentType: String
    public var size: Int
    public var blob: String
    /// Set for inline parts an HTML body shows (`cid:` references).
    public var contentId: String?
    public var inline: Bool

    public init(name: String?, contentType: String, size: Int, blob: String, contentId: String?, inline: Bool) {
        self.name = name
        self.contentType = contentType
        self.size = size
        self.blob = blob
        self.contentId = contentId
        self.inline = inline
    }
}

/// What an inbound email adds to a message: enough to thread answers and to show an auditor the original.
public struct InboundEmail: Codable, Sendable, Equatable {
    /// Its `Message-ID` (`<...>`); absent when the sender set none.
    public var messageId: String?
    public var inReplyTo: [String]
    public var references: [String]
    /// The envelope's `MAIL FROM` (nil: the null sender `<>`, as bounces use).
    public var envelopeFrom: String?
    /// The addresses it was delivered to here (`RCPT TO`).
    public var recipients: [String]
    /// The message as it arrived, in the log's blobs.
    public var source: String

    public init(
        messageId: String?, inReplyTo: [String], references: [String], envelopeFrom: String?, recipients: [String],
        source: String
    ) {
        self.messageId = messageId
        self.inReplyTo = inReplyTo
        self.references = references
        self.envelopeFrom = envelopeFrom
        self.recipients = recipients
        self.source = source
    }
}

/// The email a reply becomes, decided when the agent writes it so that every delivery attempt sends the same
/// message (and an auditor sees exactly what left).
public struct OutboundEmail: Codable, Sendable, Equatable {
    /// The channel's address (the inbox's fallback address when it has no connected one).
    public var from: String
    /// A display name for `from` (the inbox's name).
    public var fromName: String?
    public var to: [String]
    public var subject: String
    /// Ours, `<...@mail domain>`: answers name it in `In-Reply-To`.
    public var messageId: String
    public var inReplyTo: String?
    public var references: [String]

    public init(
        from: String, fromName: String?, to: [String], subject: String, messageId: String, inReplyTo: String?,
        references: [String]
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.messageId = messageId
        self.inReplyTo = inReplyTo
        self.references = references
    }

    /// `Re: <subject>`, prefixed once however many `Re:`/`RE:`/`Aw:` the subject already carries.
    public static func replySubject(_ subject: String?) -> String {
        let trimmed = (subject ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = trimmed.lowercased()
        if lower.hasPrefix("re:") || lower.hasPrefix("aw:") { return trimmed }
        return trimmed.isEmpty ? "Re: (no subject)" : "Re: \(trimmed)"
    }

    /// The references of a reply to a message that had `references` and id `messageId`: its chain, then it,
    /// capped to the newest `limit` (long chains make headers some servers refuse).
    public static func references(answering messageId: String?, chain: [String], limit: Int = 20) -> [String] {
        var ids: [String] = []
        for id in chain + (messageId.map { [$0] } ?? []) where !ids.contains(id) { ids.append(id) }
        return Array(ids.suffix(limit))
    }
}
