import CLMDB

/// A failed liblmdb call: keeps LMDB's return code, its `mdb_strerror` text and the operation that failed.
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The code liblmdb returned (an `errno` value or one of `MDB_*`).
    public let code: Int32
    /// The liblmdb function that failed, such as `mdb_put`.
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// liblmdb's own description of the code.
    public var message: String { String(cString: mdb_strerror(code)) }

    public var description: String { "\(operation): \(message) (\(code))" }

    /// The map is full: the environment grows it and runs the write again.
    public var isMapFull: Bool { code == MDB_MAP_FULL }
    /// The key exists and the write asked not to overwrite it.
    public var isKeyExists: Bool { code == MDB_KEYEXIST }

    @inline(__always)
    static func check(_ returnCode: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if returnCode != 0 { throw LMDBError(code: returnCode, operation: operation()) }
    }
}
