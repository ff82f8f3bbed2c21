import EventLog
import Foundation
import InboxCore

/// The log backends every contract test runs against.
public enum LogKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case lmdb

    public var description: String { rawValue }
}

/// A log of one kind in a scratch place, that can be closed and opened again on the same data.
public final class LogFixture: @unchecked Sendable {  // Used by one test at a time; `current` changes only in open/close.
    public let kind: LogKind
    public let directory: URL
    private var current: (any EventLog)?

    public init(_ kind: LogKind) {
        self.kind = kind
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-tests")
            .appendingPathComponent("\(kind)-\(UUID().uuidString)")
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The open log (opening it the first time).
    public func log() throws -> any EventLog {
        if let current { return current }
        let log: any EventLog
        switch kind {
        case .memory: log = InMemoryEventLog()
        case .lmdb: log = try LMDBEventLog(path: directory.path)
        }
        current = log
        return log
    }

    /// Closes the log and opens it again on the same data (the in-memory log has nothing to reopen: it stays).
    public func reopen() async throws -> any EventLog {
        guard kind != .memory else { return try log() }
        await close()
        return try log()
    }

    /// Closes the log, letting queued appends finish.
    public func close() async {
        if let lmdb = current as? LMDBEventLog { await lmdb.close() }
        if kind != .memory { current = nil }
    }
}

/// A test event with a small JSON payload.
public func testEvent(
    _ stream: String, type: String = "test.happened.v1", id: UUID = EventIDs.make(),
    actor: ActorRef = ActorRef(kind: .user, id: "u1"), payload: [String: String] = [:]
) -> ProposedEvent {
    let data = try! JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
    return ProposedEvent(streamId: StreamID(stream)!, eventId: id, type: type, actor: actor, payload: data)
}
