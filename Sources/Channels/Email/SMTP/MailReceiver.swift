/// What the SMTP server hands over: the application decides which recipients it wants and stores messages.
public protocol MailReceiver: Sendable {
    /// RCPT TO: whether mail for this address is wanted (called with the address as written, without angle brackets).
    func acceptsRecipient(_ address: String) async -> Bool

    /// One message after the final dot. Return only once it is stored durably; throw to answer 451 (temporary) —
    /// or throw `MailRejection.permanent(text)` for 554.
    func receive(_ mail: ReceivedMail) async throws
}

/// An error a ``MailReceiver`` throws to choose the reply to the client and its text.
///
/// Any other error thrown by ``MailReceiver/receive(_:)`` is answered with a generic 451, so
/// internal error descriptions never reach the client.
public struct MailRejection: Error, Sendable, Hashable {
    /// True for a 554 (the client should give up), false for a 451 (the client should retry later).
    public var isPermanent: Bool
    /// The human-readable part of the reply; control characters are replaced by spaces.
    public var text: String

    /// Refuses the message for good: the client is told 554 and should bounce it.
    public static func permanent(_ text: String) -> MailRejection {
        MailRejection(isPermanent: true, text: text)
    }

    /// Refuses the message for now: the client is told 451 and should retry later.
    public static func temporary(_ text: String) -> MailRejection {
        MailRejection(isPermanent: false, text: text)
    }
}

/// One message as received over SMTP.
public struct ReceivedMail: Sendable, Hashable {
    /// The envelope sender, nil for the null sender `MAIL FROM:<>` (bounces and auto-replies).
    public var sender: String?
    /// The accepted envelope recipients, in the order given, without duplicates.
    public var recipients: [String]
    /// The message as sent, dot-unstuffed, CRLF line endings, without the terminating ".\r\n".
    public var data: [UInt8]
    /// The name the client gave in EHLO/HELO.
    public var heloName: String?
    /// The client's address as seen by the server, if known.
    public var remoteAddress: String?

    /// Creates a received message.
    public init(sender: String?, recipients: [String], data: [UInt8], heloName: String?, remoteAddress: String?) {
        self.sender = sender
        self.recipients = recipients
        self.data = data
        self.heloName = heloName
        self.remoteAddress = remoteAddress
    }
}
