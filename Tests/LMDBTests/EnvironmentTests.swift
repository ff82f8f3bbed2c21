import CLMDB
import Foundation
import LMDB
import Testing
import TestSupport

@Suite struct EnvironmentTests {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("switchboard-tests/lmdb-\(UUID().uuidString)").path

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func string(_ env: Environment, _ db: Database, _ key: String) throws -> String? {
        try env.read { txn in try txn.value(db, for: bytes(key)).map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func aWriteCommitsWhenItsClosureReturns() throws {
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        try env.write { txn in try txn.put(db, key: bytes("a"), value: bytes("1")) }
        #expect(try string(env, db, "a") == "1")
    }

    @Test func aWriteAbortsWhenItsClosureThrows() throws {
        struct Refused: Error {}
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        #expect(throws: Refused.self) {
            try env.write { txn in
                try txn.put(db, key: bytes("a"), value: bytes("1"))
                throw Refused()
            }
        }
        #expect(try string(env, db, "a") == nil)
    }

    @Test func errorsKeepLMDBsCodeAndText() throws {
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        try env.write { txn in try txn.put(db, key: bytes("a"), value: bytes("1")) }
        let error = #expect(throws: LMDBError.self) {
            try env.write { txn in try txn.put(db, key: bytes("a"), value: bytes("2"), flags: .noOverwrite) }
        }
        #expect(error?.code == MDB_KEYEXIST)
        #expect(error?.isKeyExists == true)
        #expect(error?.message.contains("MDB_KEYEXIST") == true)
        #expect(error?.description.hasPrefix("mdb_put: ") == true)
    }

    @Test func aReadSeesTheSnapshotItStartedWith() throws {
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        try env.write { txn in try txn.put(db, key: bytes("a"), value: bytes("old")) }
        let seen = try env.read { txn in
            // A write committed from another thread while this snapshot is open.
            let writer = Thread { try? env.write { txn in try txn.put(db, key: self.bytes("a"), value: self.bytes("new")) } }
            writer.start()
            while !writer.isFinished { usleep(1000) }
            return try txn.value(db, for: bytes("a")).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(seen == "old")
        #expect(try string(env, db, "a") == "new")
    }

    @Test func theMapGrowsWhenAWriteFillsIt() throws {
        var configuration = Environment.Configuration()
        configuration.initialMapSize = 1 << 20
        let env = try Environment(path: directory, configuration: configuration)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        let value = [UInt8](repeating: 7, count: 1000)
        for batch in 0..<10 {
            try env.write { txn in
                for i in 0..<1000 {
                    let key = withUnsafeBytes(of: UInt64(batch * 1000 + i).bigEndian) { Array($0) }
                    try txn.put(db, key: key, value: value, flags: .append)
                }
            }
        }
        #expect(env.mapSize > 1 << 20)
        #expect(try env.read { txn in try txn.count(db) } == 10_000)
    }

    @Test func cursorsFindTheLastKeyWithAPrefix() throws {
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        try env.write { txn in
            for key in ["a\0\u{1}", "a\0\u{2}", "ab\0\u{9}", "b\0\u{1}"] { try txn.put(db, key: bytes(key), value: bytes(key)) }
        }
        let found: [[UInt8]?] = try env.read { txn in
            try txn.withCursor(db) { cursor in
                try ["a\0", "b\0", "c\0", "0\0"].map { prefix in
                    try cursor.last(withPrefix: bytes(prefix)).map { Array($0.key) }
                }
            }
        }
        #expect(found == [bytes("a\0\u{2}"), bytes("b\0\u{1}"), nil, nil])
    }

    @Test func aDirectoryCannotBeOpenedTwiceInOneProcess() throws {
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: LMDBError.self) { try Environment(path: directory) }
        #expect(error?.code == EBUSY)
        env.close()
        let again = try Environment(path: directory)
        #expect(again.mapSize > 0)
    }

    @Test func aClosedEnvironmentRefusesTransactions() throws {
        let env = try Environment(path: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = try env.openDatabase("things")
        env.close()
        let error = #expect(throws: LMDBError.self) { try env.read { txn in try txn.count(db) } }
        #expect(error?.code == EBADF)
    }
}

@Suite struct StaleReaderTests {
    /// LMDB resets its reader table when the first process opens an environment; slots left by a killed
    /// process matter while others keep it open, and that is when `mdb_reader_check` at open clears them.
    @Test func readerSlotsLeftByAKilledProcessAreClearedAtOpen() throws {
        let directory = scratchDirectory("stale-readers")
        defer { try? FileManager.default.removeItem(at: directory) }
        let survivor = try startReaderHolder(directory)
        defer {
            kill(survivor.processIdentifier, SIGKILL)
            survivor.waitUntilExit()
        }
        let victim = try startReaderHolder(directory)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()

        let env = try Environment(path: directory.path)
        #expect(env.staleReadersCleared == 1)
    }

    private func startReaderHolder(_ directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = try builtExecutable(named: "log-crash-writer")
        process.arguments = [directory.path, "--hold-reader"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let said = output.fileHandleForReading.availableData
        #expect(String(decoding: said, as: UTF8.self) == "ready\n")
        return process
    }
}
