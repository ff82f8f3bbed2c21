import Foundation
import InboxCore

/// Decodes the body of a webhook POST (`{"object":"page","entry":[{"id","time","messaging":[...]}]}`) into
/// the messages people sent.
///
/// Lenient by design: Meta adds fields at will, so unknown fields are ignored; a malformed messaging item is
/// skipped and reported in ``Batch/malformed`` rather than failing its siblings, because Meta retries a whole
/// delivery that is not answered 200 and one bad item would otherwise block every message in it forever.
public enum MessengerWebhook {
    /// What one delivery held.
    public struct Batch: Sendable, Hashable {
        /// Messages and postbacks from people, in delivery order.
        public var messages: [MessengerInboundMessage]
        /// Events understood but not turned into messages (echoes, deliveries, reads, reactions...).
        public var ignored: [IgnoredEvent]
        /// Items that could not be decoded.
        public var malformed: [MalformedItem]

        /// How many events were ignored.
        public var ignoredCount: Int { ignored.count }

        /// Creates a batch.
        public init(messages: [MessengerInboundMessage], ignored: [IgnoredEvent], malformed: [MalformedItem]) {
            self.messages = messages
            self.ignored = ignored
            self.malformed = malformed
        }
    }

    /// An event left out on purpose.
    public struct IgnoredEvent: Sendable, Hashable {
        /// Index in `entry`.
        public var entryIndex: Int
        /// Index in that entry's `messaging` (or `standby`) array.
        public var itemIndex: Int
        /// What it was: `echo`, `delivery`, `read`, `reaction`, `standby`, `empty_message`, or the event's own
        /// key (`optin`, `referral`, `message_edit`, ...).
        public var kind: String

        /// Creates a record of an ignored event.
        public init(entryIndex: Int, itemIndex: Int, kind: String) {
            self.entryIndex = entryIndex
            self.itemIndex = itemIndex
            self.kind = kind
        }
    }

    /// Something skipped because it could not be read.
    public struct MalformedItem: Sendable, Hashable {
        /// Index in `entry`.
        public var entryIndex: Int
        /// Index in that entry's `messaging` array; nil when the whole entry was unreadable.
        public var itemIndex: Int?
        /// Why, for the log, for example "sender.id is missing".
        public var reason: String

        /// Creates a record of a malformed item.
        public init(entryIndex: Int, itemIndex: Int?, reason: String) {
            self.entryIndex = entryIndex
            self.itemIndex = itemIndex
            self.reason = reason
        }
    }

    /// Why a whole body was refused (answer 400: Meta only sends valid page deliveries).
    public enum DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The body is not a JSON object.
        case notJSON
        /// `object` is missing or not `page` (Instagram and WhatsApp deliveries use other values); carries it.
        case notPageObject(String?)
        /// `entry` is missing or not an array.
        case missingEntries

        /// A sentence for logs and the response body.
        public var description: String {
            switch self {
            case .notJSON: return "the webhook body is not a JSON object"
            case .notPageObject(let object):
                return "the webhook object must be \"page\" (got \(object.map { "\"\($0)\"" } ?? "nothing"))"
            case .missingEntries: return "the webhook body has no entry array"
            }
        }
    }

    /// Decodes a webhook body. Throws only when the body as a whole is not a page delivery.
    public static func decode(body: some DataProtocol) throws(DecodingError) -> Batch {
        guard let document = JSONValue.parse(body), document.object != nil else { throw .notJSON }
        guard let object = document["object"]?.string, object == "page" else {
            throw .notPageObject(document["object"]?.string)
        }
        guard let entries = document["entry"]?.array else { throw .missingEntries }

        var batch = Batch(messages: [], ignored: [], malformed: [])
        for (entryIndex, entry) in entries.enumerated() {
            guard entry.object != nil, let pageId = entry["id"]?.identifier else {
                batch.malformed.append(.init(entryIndex: entryIndex, itemIndex: nil, reason: "entry.id is missing"))
                continue
            }
            // Standby events go to apps that do not own the thread under the handover protocol: another app
            // answers them, so they are not ours to store.
            for (itemIndex, _) in (entry["standby"]?.array ?? []).enumerated() {
                batch.ignored.append(.init(entryIndex: entryIndex, itemIndex: itemIndex, kind: "standby"))
            }
            for (itemIndex, item) in (entry["messaging"]?.array ?? []).enumerated() {
                switch decodeItem(item, pageId: pageId) {
                case .message(let message):
                    batch.messages.append(message)
                case .ignored(let kind):
                    batch.ignored.append(.init(entryIndex: entryIndex, itemIndex: itemIndex, kind: kind))
                case .malformed(let reason):
                    batch.malformed.append(.init(entryIndex: entryIndex, itemIndex: itemIndex, reason: reason))
                }
            }
        }
        return batch
    }

    private enum ItemOutcome {
        case message(MessengerInboundMessage)
        case ignored(String)
        case malformed(String)
    }

    /// Event keys that are never messages; the first one present names the ignored event.
    private static let otherEventKeys = [
        "delivery", "read", "reaction", "optin", "referral", "account_linking", "message_edit",
        "policy_enforcement", "pass_thread_control", "take_thread_control", "request_thread_control",
        "app_roles", "game_play", "feedback",
    ]

    private static func decodeItem(_ item: JSONValue, pageId: String) -> ItemOutcome {
        guard item.object != nil else { return .malformed("messaging item is not an object") }
        if let message = item["message"] {
            guard message.object != nil else { return .malformed("message is not an object") }
            // Our own page's messages come back as echoes: the reply is already in the conversation.
            if message["is_echo"]?.bool == true { return .ignored("echo") }
        } else if item["postback"] == nil {
            return .ignored(otherEventKeys.first { item[$0] != nil } ?? "unknown")
        }

        guard let senderPSID = item["sender"]?["id"]?.identifier else { return .malformed("sender.id is missing") }
        guard let recipientId = item["recipient"]?["id"]?.identifier else {
            return .malformed("recipient.id is missing")
        }
        guard let milliseconds = item["timestamp"]?.integer else { return .malformed("timestamp is missing") }
        let sentAt = Date(timeIntervalSince1970: Double(milliseconds) / 1000)

        if let postback = item["postback"], item["message"] == nil {
            guard postback.object != nil else { return .malformed("postback is not an object") }
            let title = postback["title"]?.string
            let payload = postback["payload"]?.string
            guard let text = title ?? payload, !text.isEmpty else { return .malformed("postback has no title") }
            let mid = postback["mid"]?.identifier ?? "postback:\(senderPSID):\(milliseconds)"
            return .message(
                MessengerInboundMessage(
                    pageId: pageId, senderPSID: senderPSID, recipientId: recipientId, mid: mid, text: text,
                    attachments: [], sentAt: sentAt, origin: .postback(payload: payload)))
        }

        let message = item["message"] ?? .null
        guard let mid = message["mid"]?.identifier else { return .malformed("message.mid is missing") }
        let text = message["text"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        var attachments: [MessengerAttachment] = []
        if let list = message["attachments"] {
            guard let elements = list.array else { return .malformed("message.attachments is not an array") }
            for element in elements {
                guard let type = element["type"]?.string else {
                    return .malformed("an attachment has no type")
                }
                // `fallback` attachments carry the url beside the payload rather than in it.
                let url = element["payload"]?["url"]?.string ?? element["url"]?.string
                attachments.append(MessengerAttachment(type: type, url: url))
            }
        }
        guard text != nil || !attachments.isEmpty else { return .ignored("empty_message") }
        return .message(
            MessengerInboundMessage(
                pageId: pageId, senderPSID: senderPSID, recipientId: recipientId, mid: mid, text: text,
                attachments: attachments, sentAt: sentAt,
                origin: .message(quickReplyPayload: message["quick_reply"]?["payload"]?.string),
                replyToMid: message["reply_to"]?["mid"]?.string))
    }
}
