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
        if let value { quoted(value) } else { bytes.append(contentsOf: "null".utf8) }
        needsComma = true
    }

    mutating func field(_ key: String, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func field(_ key: String, _ value: UInt64) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
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
        var text = text
        text.withUTF8 { utf8 in
            // Copy runs that need no escaping in one go; most texts are a single run.
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                escape(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Self.hexDigits
            bytes.append(contentsOf: [UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
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
