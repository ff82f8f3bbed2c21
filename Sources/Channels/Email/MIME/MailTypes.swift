import Foundation

/// A parsed RFC 5322 / MIME message. Parsing never throws: malformed input gives a best-effort result and `defects`.
public struct ParsedMail: Sendable {
    /// Top-level headers, unfolded, in order, values as written (not decoded).
    public var headers: [MailHeader] = []
    /// `<id@host>`, brackets kept; nil when absent or unparseable.
    public var messageID: String?
    public var inReplyTo: [String] = []
    public var references: [String] = []
    public var from: MailAddress?
    public var replyTo: [MailAddress] = []
    public var to: [MailAddress] = []
    public var cc: [MailAddress] = []
    /// RFC 2047 decoded.
    public var subject: String?
    public var date: Date?
    /// The plain-text body: a text/plain part, else text derived from the HTML part, else "".
    public var text = ""
    public var html: String?
    /// Every leaf part that is not a body, in document order.
    public var attachments: [MailAttachment] = []
    public var autoSubmitted: AutoSubmission?
    /// What was malformed, for logs and support.
    public var defects: [String] = []

    /// The first header `name` (case-insensitive), unfolded and trimmed.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// One header field as written.
public struct MailHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A mailbox: its address and display name.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String?

    public init(address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }
}

/// A non-body part of a message.
public struct MailAttachment: Sendable, Equatable {
    public var filename: String?
    /// Lowercased `type/subtype`.
    public var contentType: String
    public var contentID: String?
    public var isInline: Bool
    /// The transfer-decoded bytes.
    public var data: Data
}

/// Why a message is an automatic one (RFC 3834 and common practice).
public enum AutoSubmission: String, Sendable, Equatable {
    case autoSubmitted = "auto_submitted"
    case precedence
    case autoReplyHeader = "auto_reply_header"
    case deliveryReport = "delivery_report"
}
