import InboxCore
import LMDB

/// A read model folded from the log into LMDB. The runner calls `apply` inside the write transaction that also
/// stores the projection's checkpoint, so an event is never applied twice nor skipped, even across a crash.
public protocol Projection: Sendable {
    /// Stable name: keys the checkpoint.
    var name: String { get }
    /// Raise it when what the projection stores changes: the runner clears it and rebuilds it from the log.
    var version: UInt32 { get }
    /// Whether `apply` needs events of this type; others are skipped without decoding their JSON.
    func handles(_ type: String) -> Bool
    /// Folds one event into the read model.
    func apply(_ event: RecordedEvent, in txn: borrowing WriteTransaction) throws
    /// Folds a batch of events it handles, in log order, all in `txn`: a projection that can keep state in memory
    /// across a batch does so here. By default, `apply` for each.
    func apply(contentsOf events: [RecordedEvent], in txn: borrowing WriteTransaction) throws
    /// Removes every row, before a rebuild.
    func reset(in txn: borrowing WriteTransaction) throws
}

extension Projection {
    public func apply(contentsOf events: [RecordedEvent], in txn: borrowing WriteTransaction) throws {
        for event in events { try apply(event, in: txn) }
    }
}

/// Where a projection stands: its version and the last log position folded into it.
public struct Checkpoint: Sendable, Equatable {
    public var version: UInt32
    public var position: UInt64

    public init(version: UInt32, position: UInt64) {
        self.version = version
        self.position = position
    }

    var bytes: [UInt8] {
        withUnsafeBytes(of: version.bigEndian) { Array($0) } + withUnsafeBytes(of: position.bigEndian) { Array($0) }
    }

    init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 12 else { return nil }
        version = UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))
        position = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self))
    }
}
