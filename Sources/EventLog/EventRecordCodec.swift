import Foundation
import InboxCore

/// The binary form of an event in the `events` database: a fixed header, the variable-length names, then the
/// JSON payload. Readers learn an event's type, stream and position without touching its JSON.
///
/// Layout (integers big-endian):
/// ```
///  0  u8  format (1)          1  u8  flags (bit 0: correlationId, bit 1: causationId)
///  2  u8  actor kind code     3  u8  type length
///  4  u16 stream id length    6  u16 actor id length
///  8  u64 position           16  u64 stream version
/// 24  i64 recordedAt (ms since 1970)
/// 32  16  eventId            48  16 correlationId, if flagged; then 16 causationId, if flagged
/// then stream id, type, actor id (UTF-8), then the payload to the end
/// ```
/// The format byte is stored forever: a new layout takes a new number and this one keeps decoding.
public enum EventRecordCodec {
    static let format: UInt8 = 1
    static let fixedHeaderSize = 48

    /// The record could not be read back.
    public struct CorruptRecord: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "corrupt event record: \(reason)" }
    }

    /// How many bytes `event` takes.
    public static func encodedSize(_ event: RecordedEvent) -> Int {
        fixedHeaderSize + (event.correlationId == nil ? 0 : 16) + (event.causationId == nil ? 0 : 16)
            + event.streamId.rawValue.utf8.count + event.type.utf8.count + event.actor.id.utf8.count
            + event.payload.count
    }

    /// Writes `event` into `buffer`, which holds exactly `encodedSize(event)` bytes.
    public static func encode(_ event: RecordedEvent, into buffer: UnsafeMutableRawBufferPointer) {
        var writer = ByteWriter(buffer: buffer)
        let flags: UInt8 = (event.correlationId == nil ? 0 : 1) | (event.causationId == nil ? 0 : 2)
        writer.write(format)
        writer.write(flags)
        writer.write(event.actor.kind.code)
        writer.write(UInt8(event.type.utf8.count))
        writer.write(UInt16(event.streamId.rawValue.utf8.count))
        writer.write(UInt16(event.actor.id.utf8.count))
        writer.write(event.position)
        writer.write(event.streamVersion)
        writer.write(UInt64(bitPattern: Int64((event.recordedAt.timeIntervalSince1970 * 1000).rounded())))
        writer.write(event.eventId)
        if let id = event.correlationId { writer.write(id) }
        if let id = event.causationId { writer.write(id) }
        writer.write(event.streamId.rawValue.utf8)
        writer.write(event.type.utf8)
        writer.write(event.actor.id.utf8)
        writer.write(event.payload)
        precondition(writer.offset == buffer.count, "event record size mismatch")
    }

    /// Encodes `event` into a new array (for tests and for backends that do not write in place).
    public static func encode(_ event: RecordedEvent) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: encodedSize(event)) { buffer, count in
            encode(event, into: UnsafeMutableRawBufferPointer(buffer))
            count = buffer.count
        }
    }

    /// The stream and version stored in a record's header, read without decoding anything else.
    static func streamAndVersion(_ bytes: UnsafeRawBufferPointer) throws -> (StreamID, UInt64) {
        var reader = try ByteReader(header: bytes)
        let header = try reader.header()
        let streamStart = fixedHeaderSize + header.optionalIdsSize
        guard let stream = StreamID(reader.string(at: streamStart, count: header.streamLength)) else {
            throw CorruptRecord(reason: "invalid stream id")
        }
        return (stream, header.streamVersion)
    }

    /// Reads a whole record back.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> RecordedEvent {
        var reader = try ByteReader(header: bytes)
        let header = try reader.header()
        let eventId = reader.uuid()
        let correlationId = header.flags & 1 != 0 ? reader.uuid() : nil
        let causationId = header.flags & 2 != 0 ? reader.uuid() : nil
        let namesEnd = reader.offset + header.streamLength + header.typeLength + header.actorIdLength
        guard namesEnd <= bytes.count else { throw CorruptRecord(reason: "names run past the record") }
        guard let stream = StreamID(reader.string(count: header.streamLength)) else {
            throw CorruptRecord(reason: "invalid stream id")
        }
        let type = reader.string(count: header.typeLength)
        let actorId = reader.string(count: header.actorIdLength)
        guard let kind = ActorRef.Kind(code: header.actorKind) else {
            throw CorruptRecord(reason: "unknown actor kind \(header.actorKind)")
        }
        let payload = Data(bytes[reader.offset...])
        return RecordedEvent(
            position: header.position, streamId: stream, streamVersion: header.streamVersion, eventId: eventId,
            type: type, recordedAt: Date(timeIntervalSince1970: Double(header.recordedAtMillis) / 1000),
            actor: ActorRef(kind: kind, id: actorId), correlationId: correlationId, causationId: causationId,
            payload: payload)
    }
}

private struct RecordHeader {
    var flags: UInt8
    var actorKind: UInt8
    var typeLength: Int
    var streamLength: Int
    var actorIdLength: Int
    var position: UInt64
    var streamVersion: UInt64
    var recordedAtMillis: Int64

    var optionalIdsSize: Int { (flags & 1 != 0 ? 16 : 0) + (flags & 2 != 0 ? 16 : 0) }
}

private struct ByteWriter {
    let buffer: UnsafeMutableRawBufferPointer
    var offset = 0

    mutating func write(_ value: UInt8) {
        buffer[offset] = value
        offset += 1
    }

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes in
            buffer.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        offset += MemoryLayout<T>.size
    }

    mutating func write(_ id: UUID) {
        withUnsafeBytes(of: id.uuid) { bytes in
            buffer.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: 16)
        }
        offset += 16
    }

    mutating func write(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            buffer[offset] = byte
            offset += 1
        }
    }

    mutating func write(_ data: Data) {
        guard !data.isEmpty else { return }
        data.withUnsafeBytes { bytes in
            buffer.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
        offset += data.count
    }
}

private struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(header bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= EventRecordCodec.fixedHeaderSize else {
            throw EventRecordCodec.CorruptRecord(reason: "record shorter than its header")
        }
        guard bytes[0] == EventRecordCodec.format else {
            throw EventRecordCodec.CorruptRecord(reason: "unknown record format \(bytes[0])")
        }
        self.bytes = bytes
    }

    mutating func header() throws -> RecordHeader {
        offset = 1
        let flags = byte()
        let kind = byte()
        let typeLength = Int(byte())
        let streamLength = Int(integer(UInt16.self))
        let actorIdLength = Int(integer(UInt16.self))
        let header = RecordHeader(
            flags: flags, actorKind: kind, typeLength: typeLength, streamLength: streamLength,
            actorIdLength: actorIdLength, position: integer(UInt64.self), streamVersion: integer(UInt64.self),
            recordedAtMillis: Int64(bitPattern: integer(UInt64.self)))
        guard EventRecordCodec.fixedHeaderSize + header.optionalIdsSize + streamLength <= bytes.count else {
            throw EventRecordCodec.CorruptRecord(reason: "header lengths run past the record")
        }
        return header
    }

    mutating func byte() -> UInt8 {
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T {
        defer { offset += MemoryLayout<T>.size }
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    mutating func uuid() -> UUID {
        defer { offset += 16 }
        return UUID(uuid: bytes.loadUnaligned(fromByteOffset: offset, as: uuid_t.self))
    }

    mutating func string(count: Int) -> String {
        defer { offset += count }
        return string(at: offset, count: count)
    }

    func string(at start: Int, count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]), as: UTF8.self)
    }
}
