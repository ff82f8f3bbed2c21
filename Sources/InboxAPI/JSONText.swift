import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Hand-written JSON for the hottest answers (inbox-view pages): Foundation's encoder costs more than the
/// query behind them. Keys are written in sorted order, as `JSONOutput` writes them.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    mutating func beginArray(_ key: String) { self.key(key); bytes.append(UInt8(ascii: "[")); needsComma = false }
    mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    mutating func field(_ key: String, _ value: String?) {
        self.key(key)
        if let value { quoted(value) } else { bytes += Array("null".utf8) }
        needsComma = true
    }

    mutating func field(_ key: String, _ value: Bool) {
        self.key(key)
        bytes += Array((value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func field(_ key: String, _ value: UInt64) {
        self.key(key)
        bytes += Array(String(value).utf8)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func key(_ key: String) {
        separate()
        quoted(key)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [92, 34]
            case UInt8(ascii: "\\"): bytes += [92, 92]
            case 0x0A: bytes += [92, UInt8(ascii: "n")]
            case 0x0D: bytes += [92, UInt8(ascii: "r")]
            case 0x09: bytes += [92, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// Answers that can write themselves with `JSONText`.
protocol JSONTextWritable {
    func write(to json: inout JSONText)
}

extension JSONOutput {
    /// API.md's list shape, written by hand.
    static func list(_ items: [some JSONTextWritable], nextCursor: String?) -> Response {
        var json = JSONText(capacity: 512 * items.count + 64)
        json.beginObject()
        json.beginArray("items")
        for item in items { item.write(to: &json) }
        json.endArray()
        json.field("nextCursor", nextCursor)
        json.endObject()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }
}

extension ConversationSummaryJSON: JSONTextWritable {
    func write(to json: inout JSONText) {
        json.beginObject()
        json.field("assigneeId", assigneeId)
        json.field("channelId", channelId)
        json.field("channelType", channelType)
        json.field("contactId", contactId)
        json.field("id", id)
        json.field("inboxId", inboxId)
        json.field("lastMessageAt", lastMessageAt)
        json.field("preview", preview)
        json.field("status", status)
        json.field("subject", subject)
        json.field("unread", unread)
        json.field("version", version)
        json.endObject()
    }
}
