import Foundation

/// Messenger's standard messaging window: a page may answer a person only within 24 hours of the person's last
/// message (outside it Meta refuses with error 10/2018278). Checked before a reply is accepted, so the agent
/// hears it at once instead of seeing a failed delivery later.
public enum MessagingWindow {
    /// How long after the person's last message the page may reply.
    public static let length: TimeInterval = 24 * 60 * 60

    /// True while the window is open: the person wrote, and less than 24 hours ago. At exactly 24 hours it
    /// is closed. A last message dated in the future (clock skew) counts as just now.
    public static func canReply(lastInboundAt: Date?, now: Date) -> Bool {
        guard let lastInboundAt else { return false }
        return now.timeIntervalSince(lastInboundAt) < length
    }

    /// When the window closes, given the person's last message.
    public static func closesAt(lastInboundAt: Date) -> Date {
        lastInboundAt.addingTimeInterval(length)
    }

    /// The text shown to an agent whose reply was refused, naming the last message's time in UTC.
    public static func refusalMessage(lastInboundAt: Date?) -> String {
        let rule = "Messenger only allows replies within 24 hours of the customer's last message"
        guard let lastInboundAt else { return rule + " (the customer has not sent a message yet)." }
        let formatted = Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt).format(lastInboundAt)
        return rule + " (last message at \(formatted))."
    }
}
