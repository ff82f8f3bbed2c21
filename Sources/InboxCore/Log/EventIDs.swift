import Foundation

/// Makes event ids.
public enum EventIDs {
    /// A time-ordered UUID (version 7): ids made close in time sort close together, which keeps the log's
    /// eventId index appending near its end instead of dirtying random pages.
    public static func make(at date: Date = Date()) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var random = SystemRandomNumberGenerator()
        let a = random.next() as UInt64
        let b = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - i))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: a & 0x0F)
        bytes[7] = UInt8(truncatingIfNeeded: a >> 8)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: (a >> 16) & 0x3F)
        for i in 9..<16 { bytes[i] = UInt8(truncatingIfNeeded: b >> (8 * (i - 9))) }
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
