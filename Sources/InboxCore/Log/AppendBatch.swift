/// What a stream's version must be for an append to go through.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream must hold exactly this many events (its version).
    case exact(UInt64)

    func admits(_ actual: UInt64) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == 0
        case .exact(let version): actual == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .exact(let version): "\(version)"
        }
    }
}

/// One atomic append: events for one or more streams, stored in this order, all or none.
public struct AppendBatch: Sendable, Equatable {
    public var events: [ProposedEvent]
    /// Checks per stream; a stream not named here is appended to whatever its version. A stream may be named
    /// without events in the batch, as a guard.
    public var expectations: [StreamID: ExpectedVersion]
    /// Bytes the events refer to by digest, stored in the same transaction: never an event naming a missing blob.
    public var blobs: [Blob]

    public init(_ events: [ProposedEvent], expectations: [StreamID: ExpectedVersion] = [:], blobs: [Blob] = []) {
        self.events = events
        self.expectations = expectations
        self.blobs = blobs
    }
}

/// The outcome of an append.
public struct AppendResult: Sendable, Equatable {
    /// The batch's events in order, with where each landed.
    public var events: [CommittedEvent]
    /// True when every event id was in the log already: nothing was appended and `events` tells where they are.
    public var deduplicated: Bool

    public init(events: [CommittedEvent], deduplicated: Bool) {
        self.events = events
        self.deduplicated = deduplicated
    }

    /// The global position of the batch's last event.
    public var lastPosition: UInt64 { events.map(\.position).max() ?? 0 }
}
