import Foundation

/// Makes the opaque ids of users, inboxes, conversations...: 32 lowercase hex digits, time-ordered (UUIDv7),
/// with no `-` so that `<category>-<id>` splits cleanly.
public enum Identifiers {
    public static func make(at date: Date = Date()) -> String {
        EventIDs.make(at: date).uuidString.lowercased().replacingOccurrences(of: "-", with: "")
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
        try JSONDecoder().decode(type, from: data)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
