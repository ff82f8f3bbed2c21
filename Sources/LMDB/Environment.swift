import CLMDB
import Foundation
import Synchronization

/// An LMDB environment: one directory holding a memory-mapped B-tree file with named databases.
///
/// Every transaction runs inside a synchronous closure, so none can be held across an `await`. Read transactions
/// use MDB_NOTLS and may be opened from any thread. Writes that hit MDB_MAP_FULL grow the map and run again.
public final class Environment: @unchecked Sendable {  // `handle` is thread-safe in liblmdb; `resizeLock` guards growth and close.
    /// How the environment is opened.
    public struct Configuration: Sendable {
        /// How many named databases may be opened.
        public var maxDatabases: Int = 32
        /// The map size at open; it doubles each time a write finds it full.
        public var initialMapSize: Int = 256 << 20
        /// Concurrent read transactions allowed.
        public var maxReaders: Int = 1024
        /// When false, commits skip fsync (MDB_NOSYNC): only for benchmarks and scratch data.
        public var durable: Bool = true

        public init() {}
    }

    let handle: OpaquePointer
    /// Shared by every transaction, exclusive while the map grows: LMDB requires no live transaction then.
    private let resizeLock: UnsafeMutablePointer<pthread_rwlock_t>
    /// Stale reader slots (left by crashed processes) cleared when the environment opened.
    public let staleReadersCleared: Int
    /// Where the environment lives.
    public let path: String

    /// Directories open in this process: LMDB forbids opening one twice (its locks are per process).
    private static let openPaths = Mutex<Set<String>>([])

    /// Opens (creating when needed) the environment in directory `path`. Opening a directory this process has
    /// open already fails with EBUSY.
    public init(path: String, configuration: Configuration = .init()) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let canonical = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        guard Self.openPaths.withLock({ $0.insert(canonical).inserted }) else {
            throw LMDBError(code: EBUSY, operation: "open \(path) (already open in this process)")
        }
        var env: OpaquePointer?
        let created = mdb_env_create(&env)
        if created != 0 { Self.openPaths.withLock { _ = $0.remove(canonical) } }
        try LMDBError.check(created, "mdb_env_create")
        guard let env else {
            Self.openPaths.withLock { _ = $0.remove(canonical) }
            throw LMDBError(code: ENOMEM, operation: "mdb_env_create")
        }
        do {
            try LMDBError.check(mdb_env_set_maxdbs(env, MDB_dbi(configuration.maxDatabases)), "mdb_env_set_maxdbs")
            try LMDBError.check(mdb_env_set_maxreaders(env, UInt32(configuration.maxReaders)), "mdb_env_set_maxreaders")
            try LMDBError.check(mdb_env_set_mapsize(env, configuration.initialMapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if !configuration.durable { flags |= UInt32(MDB_NOSYNC) }
            try LMDBError.check(mdb_env_open(env, path, flags, 0o644), "mdb_env_open")
            var dead: Int32 = 0
            try LMDBError.check(mdb_reader_check(env, &dead), "mdb_reader_check")
            staleReadersCleared = Int(dead)
        } catch {
            mdb_env_close(env)
            Self.openPaths.withLock { _ = $0.remove(canonical) }
            throw error
        }
        handle = env
        self.path = canonical
        resizeLock = .allocate(capacity: 1)
        pthread_rwlock_init(resizeLock, nil)
    }

    deinit {
        close()
        pthread_rwlock_destroy(resizeLock)
        resizeLock.deallocate()
    }

    /// Closes the environment once no transaction is running; later transactions fail with EBADF.
    public func close() {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        guard !isClosed else { return }
        isClosed = true
        mdb_env_close(handle)
        Self.openPaths.withLock { _ = $0.remove(path) }
    }

    /// Guarded by `resizeLock`: set once, under the exclusive lock.
    private var isClosed = false

    private func checkOpen() throws(LMDBError) {
        if isClosed { throw LMDBError(code: EBADF, operation: "environment \(path) is closed") }
    }

    /// The current size of the memory map in bytes (an existing file's size wins over the configured one).
    public var mapSize: Int {
        pthread_rwlock_rdlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        guard !isClosed else { return 0 }
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        return info.me_mapsize
    }

    /// Opens (creating when absent) the named database.
    public func openDatabase(_ name: String) throws -> Database {
        try write { txn in
            var dbi: MDB_dbi = 0
            try LMDBError.check(mdb_dbi_open(txn.pointer, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open(\(name))")
            return Database(handle: dbi)
        }
    }

    /// Runs `body` in a read-only snapshot.
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        pthread_rwlock_rdlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        let txn = try begin(flags: UInt32(MDB_RDONLY))
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(pointer: txn))
    }

    /// Runs `body` in a write transaction and commits (durably, unless configured otherwise) when it returns;
    /// aborts when it throws. On MDB_MAP_FULL the map doubles and `body` runs again: it must not have effects
    /// outside the transaction. Blocks while another thread holds the write transaction.
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        while true {
            do {
                return try writeOnce(body)
            } catch let error as LMDBError where error.isMapFull {
                try grow()
            }
        }
    }

    /// Flushes buffers to disk: needed only when the environment is not durable.
    public func sync() throws {
        pthread_rwlock_rdlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        try checkOpen()
        try LMDBError.check(mdb_env_sync(handle, 1), "mdb_env_sync")
    }

    private func writeOnce<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        pthread_rwlock_rdlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        let txn = try begin(flags: 0)
        let result: R
        do {
            result = try body(WriteTransaction(pointer: txn))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try LMDBError.check(mdb_txn_commit(txn), "mdb_txn_commit")
        return result
    }

    private func begin(flags: UInt32) throws(LMDBError) -> OpaquePointer {
        try checkOpen()
        var txn: OpaquePointer?
        var rc = mdb_txn_begin(handle, nil, flags, &txn)
        if rc == MDB_MAP_RESIZED {
            // Another process grew the map: adopt its size (allowed here: this thread holds no transaction).
            mdb_env_set_mapsize(handle, 0)
            rc = mdb_txn_begin(handle, nil, flags, &txn)
        }
        try LMDBError.check(rc, "mdb_txn_begin")
        return txn!
    }

    private func grow() throws(LMDBError) {
        pthread_rwlock_wrlock(resizeLock)
        defer { pthread_rwlock_unlock(resizeLock) }
        try checkOpen()
        var info = MDB_envinfo()
        mdb_env_info(handle, &info)
        try LMDBError.check(mdb_env_set_mapsize(handle, info.me_mapsize * 2), "mdb_env_set_mapsize")
    }
}
