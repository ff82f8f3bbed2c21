import Foundation

/// What the metric definitions read from a conversation event: a few fields of its payload. Decoding only these
/// (`init(type:payload:)`) rather than the whole event is what lets the analytics view be rebuilt quickly.
public enum AnalyticsInput: Sendable, Equatable {
    /// The conversation's inbox and channel became known (it started, or filtered mail created it).
    case origin(inboxId: String, channelId: String, channelType: String)
    /// An inbound message, at its time for reports (`MessageReceived.at`).
    case messageReceived(at: Date)
    case replyPosted(authorId: String, postedAt: Date)
    case assigned(assigneeId: String?)
    case closed
    case botSessionStarted(at: Date)
    case botReplied(at: Date)
    case botEmailCaptured(at: Date)
    case botHandedOff(at: Date)
    case botResolved(at: Date)

    /// The conversation event types that can change a report; the others are never decoded.
    public static let types: Set<String> = Set(
        [
            ConversationEvent.Tag.started, .messageReceived, .replyPosted, .assigned, .closed, .filtered, .botSessionStarted,
            .botReplied, .botEmailCaptured, .botHandedOff, .botResolved,
        ].map(\.rawValue))

    private static let originKeys: JSONFields.Keys = ["inboxId", "channelId", "channelType"]
    private static let messageKeys: JSONFields.Keys = ["sentAt", "receivedAt"]
    private static let replyKeys: JSONFields.Keys = ["authorId", "postedAt"]
    private static let assignedKeys: JSONFields.Keys = ["assigneeId"]
    private static let atKeys: JSONFields.Keys = ["at"]

    /// What `event` tells the reports; nil for the events they ignore.
    public init?(_ event: ConversationEvent) {
        switch event {
        case .started(let started): self = .origin(inboxId: started.inboxId, channelId: started.channelId, channelType: started.channelType)
        case .filtered(let filtered): self = .origin(inboxId: filtered.inboxId, channelId: filtered.channelId, channelType: filtered.channelType)
        case .messageReceived(let message): self = .messageReceived(at: message.at)
        case .replyPosted(let reply): self = .replyPosted(authorId: reply.authorId, postedAt: reply.postedAt)
        case .assigned(let assigned): self = .assigned(assigneeId: assigned.assigneeId)
        case .closed: self = .closed
        case .botSessionStarted(let session): self = .botSessionStarted(at: session.at)
        case .botReplied(let reply): self = .botReplied(at: reply.at)
        case .botEmailCaptured(let captured): self = .botEmailCaptured(at: captured.at)
        case .botHandedOff(let handoff): self = .botHandedOff(at: handoff.at)
        case .botResolved(let resolved): self = .botResolved(at: resolved.at)
        case .reopened, .commentAdded, .contactLinked, .markedRead, .messageFiltered: return nil
        }
    }

    /// Reads the input straight from a stored payload of `type`; nil for types the reports ignore. It agrees with
    /// `init(_:)` over the fully decoded event.
    public init?(type: String, payload: Data) throws {
        guard let tag = ConversationEvent.Tag(rawValue: type) else { return nil }
        func fields(_ keys: JSONFields.Keys) throws -> [String?] { try JSONFields.strings(keys, in: payload) }
        func required(_ value: String?, _ key: String) throws -> String {
            guard let value else { throw JSONFields.Malformed(description: "\(type) payload has no '\(key)'") }
            return value
        }
        func date(_ value: String?, _ key: String) throws -> Date {
            let text = try required(value, key)
            guard let date = Timestamps.parse(text) else { throw JSONFields.Malformed(description: "not an RFC 3339 time: \(text)") }
            return date
        }
        switch tag {
        case .started, .filtered:
            let values = try fields(Self.originKeys)
            self = .origin(
                inboxId: try required(values[0], "inboxId"), channelId: try required(values[1], "channelId"),
                channelType: try required(values[2], "channelType"))
        case .messageReceived:
            let values = try fields(Self.messageKeys)
            let received = try date(values[1], "receivedAt")
            let sent = try values[0].map { try date($0, "sentAt") }
            // As `MessageReceived.at`: the channel's time unless it lies in the future.
            self = .messageReceived(at: sent.flatMap { $0 <= received ? $0 : nil } ?? received)
        case .replyPosted:
            let values = try fields(Self.replyKeys)
            self = .replyPosted(authorId: try required(values[0], "authorId"), postedAt: try date(values[1], "postedAt"))
        case .assigned:
            self = .assigned(assigneeId: try fields(Self.assignedKeys)[0])
        case .closed:
            self = .closed
        case .botSessionStarted: self = .botSessionStarted(at: try date(try fields(Self.atKeys)[0], "at"))
        case .botReplied: self = .botReplied(at: try date(try fields(Self.atKeys)[0], "at"))
        case .botEmailCaptured: self = .botEmailCaptured(at: try date(try fields(Self.atKeys)[0], "at"))
        case .botHandedOff: self = .botHandedOff(at: try date(try fields(Self.atKeys)[0], "at"))
        case .botResolved: self = .botResolved(at: try date(try fields(Self.atKeys)[0], "at"))
        case .reopened, .commentAdded, .contactLinked, .markedRead, .messageFiltered:
            return nil
        }
    }
}
