import Foundation
import InboxCore

/// The analytics view's binary rows.
///
/// A fact's key is `<inbox u32><day u32><order u64>` (big-endian), so that a report over some inboxes and a
/// period reads only those days of those inboxes, each in log order, and `asOf` keeps the facts up to a position.
/// Its value is fixed-width: format, kind, flags, conversation, channel, channel type, user (u32 each), time and
/// seconds (the bits of a Double each), little-endian.
enum AnalyticsRows {
    struct Malformed: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    static let factFormat: UInt8 = 1
    static let factKeyCount = 16
    static let factValueCount = 35

    /// The stored code of each kind is its index here: append new kinds, never reorder.
    static let kinds: [AnalyticsFact.Kind] = [
        .cycleOpened, .reply, .firstResponse, .assigned, .closed, .botSession, .botMessage, .botHandedOff, .botResolved,
        .botEmailCaptured,
    ]
    private static let codeOfKind: [AnalyticsFact.Kind: UInt8] = Dictionary(
        uniqueKeysWithValues: kinds.enumerated().map { ($0.element, UInt8($0.offset)) })

    /// The day part of the key: days since 1970, shifted so that earlier days sort first too.
    static func day(_ date: Date) -> UInt32 {
        UInt32(clamping: Timestamps.day(of: date) + Int64(Int32.max) + 1)
    }

    static func factKey(inbox: UInt32, day: UInt32, order: UInt64) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: factKeyCount) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: inbox.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: day.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: order.bigEndian, toByteOffset: 8, as: UInt64.self)
            count = factKeyCount
        }
    }

    static func factKey(_ record: FactRecord) -> [UInt8] {
        factKey(inbox: record.inbox, day: day(record.at), order: record.order)
    }

    static func factValue(_ record: FactRecord) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: factValueCount) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw[0] = factFormat
            raw[1] = codeOfKind[record.kind]!
            raw[2] = record.seconds == nil ? 0 : 1
            raw.storeBytes(of: record.conversation.littleEndian, toByteOffset: 3, as: UInt32.self)
            raw.storeBytes(of: record.channel.littleEndian, toByteOffset: 7, as: UInt32.self)
            raw.storeBytes(of: record.channelType.littleEndian, toByteOffset: 11, as: UInt32.self)
            raw.storeBytes(of: record.user.littleEndian, toByteOffset: 15, as: UInt32.self)
            raw.storeBytes(of: record.at.timeIntervalSinceReferenceDate.bitPattern.littleEndian, toByteOffset: 19, as: UInt64.self)
            raw.storeBytes(of: (record.seconds ?? 0).bitPattern.littleEndian, toByteOffset: 27, as: UInt64.self)
            count = factValueCount
        }
    }

    /// The key's parts, without reading the value (the scan skips on them).
    static func keyParts(_ key: UnsafeRawBufferPointer) throws(Malformed) -> (inbox: UInt32, day: UInt32, order: UInt64) {
        guard key.count == factKeyCount else { throw Malformed(description: "analytics fact key of \(key.count) bytes, not \(factKeyCount)") }
        return (
            UInt32(bigEndian: key.loadUnaligned(as: UInt32.self)), UInt32(bigEndian: key.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
            UInt64(bigEndian: key.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        )
    }

    static func record(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(Malformed) -> FactRecord {
        let parts = try keyParts(key)
        guard value.count == factValueCount else {
            throw Malformed(description: "analytics fact row of \(value.count) bytes, not \(factValueCount)")
        }
        guard value[0] == factFormat else { throw Malformed(description: "analytics fact row of unknown format \(value[0])") }
        guard Int(value[1]) < kinds.count else { throw Malformed(description: "analytics fact of unknown kind \(value[1])") }
        guard value[2] <= 1 else { throw Malformed(description: "analytics fact with bad flags \(value[2])") }
        func number(_ offset: Int) -> UInt32 { UInt32(littleEndian: value.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func double(_ offset: Int) -> Double {
            Double(bitPattern: UInt64(littleEndian: value.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        }
        return FactRecord(
            kind: kinds[Int(value[1])], order: parts.order, conversation: number(3), inbox: parts.inbox, channel: number(7),
            channelType: number(11), user: number(15), at: Date(timeIntervalSinceReferenceDate: double(19)),
            seconds: value[2] == 1 ? double(27) : nil)
    }
}

/// A conversation's clock as the analytics view keeps it (keyed by conversation id), with the number its facts
/// count it by.
struct StoredClock: Equatable {
    static let format: UInt8 = 1

    var conversation: UInt32
    var clock: ConversationClock

    var binary: [UInt8] {
        var writer = BinaryRowWriter(format: Self.format, capacity: 96)
        writer.write(UInt64(conversation))
        writer.write(clock.inboxId)
        writer.write(clock.channelId)
        writer.write(clock.channelType)
        writer.write(clock.open)
        writer.write(clock.firstResponded)
        writer.write(clock.botActive)
        writer.writeExact(clock.cycleOpenedAt)
        writer.writeExact(clock.responseClockFrom)
        writer.writeExact(clock.unansweredSince)
        return writer.bytes
    }

    init(conversation: UInt32, clock: ConversationClock) {
        self.conversation = conversation
        self.clock = clock
    }

    init(binary bytes: UnsafeRawBufferPointer) throws(AnalyticsRows.Malformed) {
        do {
            var reader = try BinaryRowReader(bytes)
            guard reader.format == Self.format else {
                throw AnalyticsRows.Malformed(description: "conversation clock row of unknown format \(reader.format)")
            }
            let number = try reader.uint64()
            guard number <= UInt64(UInt32.max) else { throw BinaryRowReader.Corrupt() }
            conversation = UInt32(number)
            clock = ConversationClock()
            clock.inboxId = try reader.string()
            clock.channelId = try reader.string()
            clock.channelType = try reader.string()
            clock.open = try reader.bool()
            clock.firstResponded = try reader.bool()
            clock.botActive = try reader.bool()
            clock.cycleOpenedAt = try reader.optionalExactDate()
            clock.responseClockFrom = try reader.optionalExactDate()
            clock.unansweredSince = try reader.optionalExactDate()
            guard reader.isAtEnd else { throw BinaryRowReader.Corrupt() }
        } catch let error as AnalyticsRows.Malformed {
            throw error
        } catch {
            throw AnalyticsRows.Malformed(description: "conversation clock row is truncated or corrupt (\(bytes.count) bytes)")
        }
    }
}
