import Foundation

/// Why the log refused or failed an operation. A refused append has appended nothing.
public struct EventLogError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case wrongExpectedVersion(stream: StreamID, expected: ExpectedVersion, actual: UInt64)
        case eventIdReused(UUID)
        case invalidBatch(String)
        case storage(String)
        case unavailable(String)
        case closed
    }

    private let code: Code

    /// A stream's version was not the expected one (a concurrent writer got there first).
    public static func wrongExpectedVersion(stream: StreamID, expected: ExpectedVersion, actual: UInt64) -> Self {
        Self(code: .wrongExpectedVersion(stream: stream, expected: expected, actual: actual))
    }

    /// Some but not all of the batch's event ids are in the log: not a retry of one earlier append.
    public static func eventIdReused(_ id: UUID) -> Self { Self(code: .eventIdReused(id)) }

    /// The batch itself is malformed (empty, a repeated event id, an over-long type...).
    public static func invalidBatch(_ reason: String) -> Self { Self(code: .invalidBatch(reason)) }

    /// The storage failed; the text comes from the backend.
    public static func storage(_ reason: String) -> Self { Self(code: .storage(reason)) }

    /// The storage cannot be reached right now (a database restarting or out of reach): the append may be tried
    /// again, with the same event ids, once it is back. The text says what failed.
    public static func unavailable(_ reason: String) -> Self { Self(code: .unavailable(reason)) }

    /// The log was closed.
    public static let closed = Self(code: .closed)

    /// True for a version conflict, the error a caller resolves by reloading and deciding again.
    public var isWrongExpectedVersion: Bool {
        if case .wrongExpectedVersion = code { return true }
        return false
    }

    /// True when the storage could not be reached: worth retrying later, unlike every other failure.
    public var isUnavailable: Bool {
        if case .unavailable = code { return true }
        return false
    }

    /// The stream whose version was not the expected one, for a version conflict.
    public var conflictingStream: StreamID? {
        if case .wrongExpectedVersion(let stream, _, _) = code { return stream }
        return nil
    }

    /// The stream's actual version, for a version conflict.
    public var actualVersion: UInt64? {
        if case .wrongExpectedVersion(_, _, let actual) = code { return actual }
        return nil
    }

    public var description: String {
        switch code {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "stream \(stream) is at version \(actual), expected \(expected)"
        case .eventIdReused(let id): "event id \(id) is already in the log in another append"
        case .invalidBatch(let reason): "invalid append: \(reason)"
        case .storage(let reason): "event log storage failed: \(reason)"
        case .unavailable(let reason): "event log storage is unavailable: \(reason)"
        case .closed: "the event log is closed"
        }
    }
}
