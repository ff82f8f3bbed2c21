import Foundation

/// One message a person sent to a page, decoded from a webhook delivery.
public struct MessengerInboundMessage: Sendable, Hashable {
    /// The page the webhook entry is for (`entry[].id`).
    public var pageId: String
    /// The sender's page-scoped id: the `recipient.id` of every reply.
    public var senderPSID: String
    /// `recipient.id` of the event: the page id again for messages people send.
    public var recipientId: String
    /// Meta's message id; the same `mid` redelivered must append nothing. For a postback without `mid` this is
    /// `postback:<senderPSID>:<timestamp ms>`, stable across redeliveries.
    public var mid: String
    /// The text, or for a postback the button title; nil for attachment-only messages.
    public var text: String?
    /// Attachments in the order sent.
    public var attachments: [MessengerAttachment]
    /// When the person sent it (the event's millisecond `timestamp`).
    public var sentAt: Date
    /// What produced the message.
    public var origin: Origin
    /// The `mid` this message replies to, when the person used "reply".
    public var replyToMid: String?

    /// What produced an inbound message.
    public enum Origin: Sendable, Hashable {
        /// A message typed or sent by the person; `quickReplyPayload` when they tapped a quick reply.
        case message(quickReplyPayload: String?)
        /// A postback button, Get Started button or persistent menu item; `payload` as defined on the button.
        case postback(payload: String?)
    }

    /// Creates a message.
    public init(
        pageId: String, senderPSID: String, recipientId: String, mid: String, text: String?,
        attachments: [MessengerAttachment], sentAt: Date, origin: Origin = .message(quickReplyPayload: nil),
        replyToMid: String? = nil
    ) {
        self.pageId = pageId
        self.senderPSID = senderPSID
        self.recipientId = recipientId
        self.mid = mid
        self.text = text
        self.attachments = attachments
        self.sentAt = sentAt
        self.origin = origin
        self.replyToMid = replyToMid
    }
}

/// An attachment on an inbound message: Meta hosts the file and gives a URL (which expires, so the intake
/// should fetch it soon); some kinds (`location`, `template`, stickers without a url) have none.
public struct MessengerAttachment: Sendable, Hashable {
    /// Meta's attachment type: `image`, `video`, `audio`, `file`, `location`, `fallback`, `template`, ...
    public var type: String
    /// Where the content can be downloaded, when there is such a place.
    public var url: String?

    /// Creates an attachment.
    public init(type: String, url: String?) {
        self.type = type
        self.url = url
    }
}
