import Foundation

/// Makes the opaque ids of users, inboxes, conversations...: 32 lowercase hex digits, time-ordered (UUIDv7),
/// with no `-` so that `<category>-<id>` splits cleanly.
public enum Identifiers {
    public static func make(at date: Date = Date()) -> String {
        withUnsafeBytes(of: EventIDs.make(at: date).uuid) { Hex.encode($0) }
    }

    /// Whether `text` could be an id we made (used to reject bad ids in paths early).
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// Encodes and decodes event payloads: one configuration for the whole log.
public enum PayloadCoding {
    public static func encode(_ value: some Encodable) -> Data {
        do {
            return try encoder.encode(value)
        } catch {
            preconditionFailure("event payloads always encode: \(error)")
        }
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder.decode(type, from: data)
    }

    // Dates are RFC 3339 UTC with milliseconds, as in the API, so payloads read the same everywhere.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamps.format(date))
        }
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamps.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        return decoder
    }()
}
