import Foundation
import InboxCore

extension ConversationRecord {
    /// Format 1 of the stored row; a new layout gets a new number (and a projection version bump).
    static let binaryFormat: UInt8 = 1

    var binary: [UInt8] {
        var writer = BinaryRowWriter(format: Self.binaryFormat)
        writer.write(id)
        writer.write(inboxId)
        writer.write(channelId)
        writer.write(channelType)
        writer.write(status)
        writer.write(assigneeId)
        writer.write(contactId)
        writer.write(subject)
        writer.write(preview)
        writer.write(lastMessageAt)
        writer.write(version)
        writer.write(visitor.email)
        writer.write(visitor.externalId)
        writer.write(visitor.name)
        writer.write(inboundMessages)
        writer.write(messageCount)
        writer.write(commentCount)
        writer.write(readBy.count)
        for (userId, count) in readBy.sorted(by: { $0.key < $1.key }) {
            writer.write(userId)
            writer.write(count)
        }
        return writer.bytes
    }

    init(binary bytes: UnsafeRawBufferPointer) throws {
        var reader = try BinaryRowReader(bytes)
        guard reader.format == Self.binaryFormat else { throw BinaryRowReader.Corrupt() }
        id = try reader.string()
        inboxId = try reader.string()
        channelId = try reader.string()
        channelType = try reader.string()
        status = try reader.string()
        assigneeId = try reader.optionalString()
        contactId = try reader.optionalString()
        subject = try reader.optionalString()
        preview = try reader.string()
        lastMessageAt = try reader.date()
        version = try reader.uint64()
        visitor = Visitor(email: try reader.optionalString(), externalId: try reader.optionalString(), name: try reader.optionalString())
        inboundMessages = try reader.int()
        messageCount = try reader.int()
        commentCount = try reader.int()
        let readers = try reader.int()
        var readBy: [String: Int] = [:]
        for _ in 0..<readers { readBy[try reader.string()] = try reader.int() }
        self.readBy = readBy
    }
}
