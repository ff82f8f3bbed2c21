import CLMDB

/// A named database inside an environment. Handles stay valid for the environment's lifetime.
public struct Database: Sendable, Hashable {
    let handle: MDB_dbi
}

/// Flags for `put`.
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Fail with `MDB_KEYEXIST` instead of overwriting.
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// The key sorts after every key present: a cheap append at the end of the B-tree.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
}

/// A key and value seen through a cursor. The buffers point into the memory map and are valid only until the
/// transaction ends or the next write in it.
public struct Entry {
    public let key: UnsafeRawBufferPointer
    public let value: UnsafeRawBufferPointer
}

extension MDB_val {
    @inline(__always)
    init(_ buffer: UnsafeRawBufferPointer) {
        self.init(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }

    @inline(__always)
    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: mv_data, count: mv_size) }
}
