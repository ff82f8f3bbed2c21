import CLMDB

/// What both kinds of transaction can do. Values returned as buffers point into the memory map: they are valid
/// only inside the transaction's closure (and, in a write transaction, until the next write).
public protocol Transaction: ~Copyable {
    var pointer: OpaquePointer { get }
}

extension Transaction where Self: ~Copyable {
    /// The value stored under `key`, or nil.
    public func value(_ database: Database, for key: UnsafeRawBufferPointer) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(key)
        var v = MDB_val()
        let rc = mdb_get(pointer, database.handle, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_get")
        return v.buffer
    }

    /// The value stored under `key`, or nil.
    public func value(_ database: Database, for key: [UInt8]) throws(LMDBError) -> UnsafeRawBufferPointer? {
        var result: Result<UnsafeRawBufferPointer?, LMDBError> = .success(nil)
        key.withUnsafeBytes { bytes in
            result = Result { () throws(LMDBError) in try value(database, for: bytes) }
        }
        return try result.get()
    }

    /// Runs `body` with a cursor over `database`, closed when `body` returns.
    public func withCursor<R>(_ database: Database, _ body: (borrowing Cursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(pointer, database.handle, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        return try body(Cursor(pointer: cursor!))
    }

    /// How many entries `database` holds.
    public func count(_ database: Database) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(pointer, database.handle, &stat), "mdb_stat")
        return stat.ms_entries
    }
}

/// A read-only snapshot (MDB_NOTLS, so it is not tied to a thread; it is still never held across an `await`).
public struct ReadTransaction: Transaction, ~Copyable {
    public let pointer: OpaquePointer
}

/// The environment's single write transaction. It commits when its closure returns and aborts when it throws.
public struct WriteTransaction: Transaction, ~Copyable {
    public let pointer: OpaquePointer

    /// Stores `value` under `key`.
    public func put(
        _ database: Database, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: PutFlags = []
    ) throws(LMDBError) {
        var k = MDB_val(key)
        var v = MDB_val(value)
        try LMDBError.check(mdb_put(pointer, database.handle, &k, &v, flags.rawValue), "mdb_put")
    }

    /// Stores `value` under `key`.
    public func put(_ database: Database, key: [UInt8], value: [UInt8], flags: PutFlags = []) throws(LMDBError) {
        var result: Result<Void, LMDBError> = .success(())
        key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                result = Result { () throws(LMDBError) in try put(database, key: k, value: v, flags: flags) }
            }
        }
        try result.get()
    }

    /// Reserves `count` bytes under `key` and lets `fill` write the value in place (MDB_RESERVE): no copy.
    public func put(
        _ database: Database, key: UnsafeRawBufferPointer, reserving count: Int, flags: PutFlags = [],
        fill: (UnsafeMutableRawBufferPointer) -> Void
    ) throws(LMDBError) {
        var k = MDB_val(key)
        var v = MDB_val(mv_size: count, mv_data: nil)
        try LMDBError.check(
            mdb_put(pointer, database.handle, &k, &v, flags.rawValue | UInt32(MDB_RESERVE)), "mdb_put")
        fill(UnsafeMutableRawBufferPointer(start: v.mv_data, count: count))
    }

    /// Removes `key`; answers whether it was there.
    @discardableResult
    public func delete(_ database: Database, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(key)
        let rc = mdb_del(pointer, database.handle, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try LMDBError.check(rc, "mdb_del")
        return true
    }

    /// Removes `key`; answers whether it was there.
    @discardableResult
    public func delete(_ database: Database, key: [UInt8]) throws(LMDBError) -> Bool {
        var result: Result<Bool, LMDBError> = .success(false)
        key.withUnsafeBytes { k in result = Result { () throws(LMDBError) in try delete(database, key: k) } }
        return try result.get()
    }

    /// Removes every entry of `database`, keeping the database itself.
    public func clear(_ database: Database) throws(LMDBError) {
        try LMDBError.check(mdb_drop(pointer, database.handle, 0), "mdb_drop")
    }
}

/// A position in a database, valid inside its transaction's closure.
public struct Cursor: ~Copyable {
    let pointer: OpaquePointer

    private func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws(LMDBError) -> Entry? {
        var k = key.map { MDB_val($0) } ?? MDB_val()
        var v = MDB_val()
        let rc = mdb_cursor_get(pointer, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try LMDBError.check(rc, "mdb_cursor_get")
        return Entry(key: k.buffer, value: v.buffer)
    }

    public func first() throws(LMDBError) -> Entry? { try move(MDB_FIRST) }
    public func last() throws(LMDBError) -> Entry? { try move(MDB_LAST) }
    public func next() throws(LMDBError) -> Entry? { try move(MDB_NEXT) }
    public func previous() throws(LMDBError) -> Entry? { try move(MDB_PREV) }
    /// Moves to the first key greater than or equal to `key`.
    public func seek(atOrAfter key: UnsafeRawBufferPointer) throws(LMDBError) -> Entry? { try move(MDB_SET_RANGE, key: key) }

    /// Moves to the first key greater than or equal to `key`.
    public func seek(atOrAfter key: [UInt8]) throws(LMDBError) -> Entry? {
        var result: Result<Entry?, LMDBError> = .success(nil)
        key.withUnsafeBytes { k in result = Result { () throws(LMDBError) in try seek(atOrAfter: k) } }
        return try result.get()
    }

    /// Moves to the last key that starts with `prefix`, or answers nil when none does.
    public func last(withPrefix prefix: [UInt8]) throws(LMDBError) -> Entry? {
        // Seek just past every key with the prefix, then step back once.
        var upper = prefix
        upper.append(contentsOf: repeatElement(0xFF, count: 16))
        let candidate = try seek(atOrAfter: upper) != nil ? try previous() : try last()
        guard let candidate, candidate.key.starts(with: prefix) else { return nil }
        return candidate
    }
}
