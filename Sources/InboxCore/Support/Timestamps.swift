import Foundation

/// API.md's time format: RFC 3339, UTC, milliseconds (`2026-11-24T10:00:00.000Z`). Formatting and parsing that
/// exact shape is done by hand: every event payload and every API answer carries times, and Foundation's
/// ISO 8601 style costs microseconds each. Other RFC 3339 shapes (offsets, no fraction) parse through Foundation.
public enum Timestamps {
    public static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = day(millis: millis)
        let msOfDay = Int(millis - days * 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else {
            return date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
        }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, at offset: Int, digits: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(Int(year), at: 0, digits: 4)
        bytes[4] = 45
        put(month, at: 5, digits: 2)
        bytes[7] = 45
        put(day, at: 8, digits: 2)
        bytes[10] = 84
        put(msOfDay / 3_600_000, at: 11, digits: 2)
        bytes[13] = 58
        put(msOfDay / 60_000 % 60, at: 14, digits: 2)
        bytes[16] = 58
        put(msOfDay / 1000 % 60, at: 17, digits: 2)
        bytes[19] = 46
        put(msOfDay % 1000, at: 20, digits: 3)
        bytes[23] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func parse(_ text: String) -> Date? {
        // The canonical shape is judged here alone: Foundation would accept 24:00 or February 30 by rolling over.
        if text.utf8.count == 24, text.utf8.last == 90, text.utf8.dropFirst(19).first == 46 { return parseCanonical(text) }
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text))
            ?? (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
    }

    /// The UTC day of `date` as `format` writes it, in days since 1970-01-01 (reports group and index by it).
    public static func day(of date: Date) -> Int64 {
        day(millis: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    private static func day(millis: Int64) -> Int64 {
        millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly, or nil.
    static func parseCanonical(_ text: String) -> Date? {
        var text = text
        // On the string's own bytes: every payload time is parsed here, and a copy showed in replay profiles.
        return text.withUTF8 { parseCanonical(bytes: $0) }
    }

    private static func parseCanonical(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count == 24, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
            bytes[19] == 46, bytes[23] == 90
        else { return nil }
        func number(_ offset: Int, _ digits: Int) -> Int? {
            var value = 0
            for byte in bytes[offset..<offset + digits] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), let millis = number(20, 3),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second < 60
        else { return nil }
        let days = daysFromCivil(year: Int64(year), month: month, day: day)
        let total = days * 86_400_000 + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + millis)
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days-from-civil and civil-from-days algorithms (proleptic Gregorian calendar).
    static func daysFromCivil(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Duration {
    /// This duration in seconds, as Foundation's dates and rates count them.
    public var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
