import Foundation

/// Bytes too large for an event (an email's source, its attachments), stored beside the log under their SHA-256
/// and named from events by `digest`. Content addressing makes storing the same bytes twice a no-op.
public struct Blob: Sendable, Equatable {
    /// The lowercase hex SHA-256 of `bytes`.
    public let digest: String
    public let bytes: Data

    public init(_ bytes: Data) {
        self.bytes = bytes
        digest = Hex.encode(SHA256Digest.hash(bytes))
    }

    /// Whether `text` has the shape of a digest (64 lowercase hex characters).
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
