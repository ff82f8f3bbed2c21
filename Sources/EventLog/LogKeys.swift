import Foundation
import InboxCore

/// Keys of the log's databases.
enum LogKeys {
    /// `events`: the position, big-endian, so keys sort in log order and appends go at the end.
    static func position(_ position: UInt64) -> [UInt8] {
        withUnsafeBytes(of: position.bigEndian) { Array($0) }
    }

    static func decodePosition(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }

    /// `streams`: the stream id, a NUL (stream ids never hold one), then the version big-endian.
    static func streamPrefix(_ stream: StreamID) -> [UInt8] {
        var key = Array(stream.rawValue.utf8)
        key.append(0)
        return key
    }

    static func stream(_ stream: StreamID, version: UInt64) -> [UInt8] {
        streamPrefix(stream) + position(version)
    }

    static func decodeVersion(streamKey bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
    }

    /// `eventIds`: the UUID's 16 bytes.
    static func eventId(_ id: UUID) -> [UInt8] {
        withUnsafeBytes(of: id.uuid) { Array($0) }
    }

    /// `blobs`: the digest's 32 bytes (the caller checked it is 64 hex characters).
    static func blob(_ digest: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var high: UInt8?
        for character in digest.utf8 {
            let nibble = character <= 57 ? character - 48 : character - 87
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
