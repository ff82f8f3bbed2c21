/// A stream's name, `<category>-<id>` such as `conversation-01J...`.
public struct StreamID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest stream id accepted, in UTF-8 bytes (LMDB keys are limited to 511 bytes).
    public static let maxUTF8Length = 256

    public let rawValue: String

    /// Accepts a non-empty name of at most `maxUTF8Length` UTF-8 bytes without NUL characters.
    public init?(_ rawValue: String) {
        let count = rawValue.utf8.count
        guard count > 0, count <= Self.maxUTF8Length, !rawValue.utf8.contains(0) else { return nil }
        self.rawValue = rawValue
    }

    /// The stream `<category>-<id>`.
    public init(category: String, id: String) {
        guard let stream = StreamID("\(category)-\(id)") else {
            preconditionFailure("invalid stream id for category \(category)")
        }
        self = stream
    }

    /// The part before the first `-` (the whole name when it has none).
    public var category: Substring {
        rawValue.firstIndex(of: "-").map { rawValue[..<$0] } ?? rawValue[...]
    }

    /// The part after the first `-` (empty when there is none).
    public var id: Substring {
        rawValue.firstIndex(of: "-").map { rawValue[rawValue.index(after: $0)...] } ?? rawValue[rawValue.endIndex...]
    }

    public var description: String { rawValue }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension StreamID: Codable {
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let stream = StreamID(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid stream id"))
        }
        self = stream
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
