import Foundation
import Logging
import PostgresEventLog
import PostgresNIO

/// The PostgreSQL server the postgres log tests use: the one `SWITCHBOARD_TEST_POSTGRES_URL` names, or else a
/// throwaway cluster this process starts once (Scripts/pg-test-cluster.sh) and stops when it exits. Each test
/// gets a database of its own.
public actor PostgresTestServer {
    public static let shared = PostgresTestServer()

    public static let urlVariable = "SWITCHBOARD_TEST_POSTGRES_URL"

    /// The one attempt to find or start the server: tests asking at once all wait for it.
    private var server: Task<PostgresURL, any Error>?
    private let logger = Logger(label: "switchboard.tests.postgres") { _ in SwiftLogNoOpLogHandler() }

    /// The server's URL (with its maintenance database), starting the throwaway cluster the first time if needed.
    public func serverURL() async throws -> PostgresURL {
        if let server { return try await server.value }
        let attempt = Task { try await Self.locateOrStartServer() }
        server = attempt
        return try await attempt.value
    }

    /// A new, empty database on the server.
    public func createDatabase() async throws -> PostgresURL {
        let server = try await serverURL()
        let name = "switchboard_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await withAdminConnection(server) { connection in
            try await connection.query("CREATE DATABASE \(unescaped: name)", logger: logger)
        }
        return server.with(database: name)
    }

    /// Drops `database`, disconnecting whoever is still connected to it.
    public func dropDatabase(_ database: PostgresURL) async throws {
        let server = try await serverURL()
        try await withAdminConnection(server) { connection in
            try await connection.query("DROP DATABASE IF EXISTS \(unescaped: database.database) WITH (FORCE)", logger: logger)
        }
    }

    private func withAdminConnection(_ server: PostgresURL, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: server.host, port: server.port, username: server.username, password: server.password,
                database: server.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw PostgresTestServerUnavailable(reason: "\(server): \(String(reflecting: error))")
        }
        try await connection.close()
    }

    private static func locateOrStartServer() async throws(PostgresTestServerUnavailable) -> PostgresURL {
        if let configured = ProcessInfo.processInfo.environment[Self.urlVariable], !configured.isEmpty {
            do {
                return try PostgresURL(configured)
            } catch {
                throw PostgresTestServerUnavailable(reason: "\(Self.urlVariable) is not usable: \(error)")
            }
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-pg-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        let output: String
        do {
            output = try await runPostgresClusterScript(
                ["start", directory.path],
                environment: ["PG_TEST_CLUSTER_WATCH_PID": "\(ProcessInfo.processInfo.processIdentifier)"])
        } catch {
            throw PostgresTestServerUnavailable(reason: "Scripts/pg-test-cluster.sh could not start a cluster: \(error)")
        }
        stopClusterAtExit(directory.path)
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        do {
            return try PostgresURL(line)
        } catch {
            throw PostgresTestServerUnavailable(reason: "Scripts/pg-test-cluster.sh printed \"\(line)\", not a URL")
        }
    }
}

/// No PostgreSQL server could be used: the postgres cases fail with this rather than being skipped.
public struct PostgresTestServerUnavailable: Error, CustomStringConvertible {
    public let reason: String
    public var description: String {
        "PostgreSQL is not available for the postgres event log tests (\(reason)). Run Scripts/setup.sh to install "
            + "PostgreSQL 15, or set \(PostgresTestServer.urlVariable) to a server where this user may create databases."
    }
}

/// A failed run of Scripts/pg-test-cluster.sh.
struct ClusterScriptFailed: Error, CustomStringConvertible {
    let status: Int32
    let errors: String
    var description: String { "exit status \(status): \(errors.trimmingCharacters(in: .whitespacesAndNewlines))" }
}

/// Runs Scripts/pg-test-cluster.sh and answers what it printed. Output goes to files, not pipes: the cluster's
/// server and watchdog outlive the script and must not hold a pipe open.
public func runPostgresClusterScript(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
    let scratch = scratchDirectory("pg-cluster-script")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let outputURL = scratch.appendingPathComponent("stdout")
    let errorsURL = scratch.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
    let process = Process()
    process.executableURL = repositoryRoot.appendingPathComponent("Scripts/pg-test-cluster.sh")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorsURL)
    try process.run()
    let status = await exitStatus(of: process)
    let output = String(decoding: try Data(contentsOf: outputURL), as: UTF8.self)
    guard status == 0 else {
        throw ClusterScriptFailed(status: status, errors: String(decoding: try Data(contentsOf: errorsURL), as: UTF8.self))
    }
    return output
}

/// Waits for `process` on a thread of its own with waitpid: Foundation's termination monitoring on Linux was seen
/// to leave the script a zombie when the script leaves a daemon behind, so the wait would never end.
private func exitStatus(of process: Process) async -> Int32 {
    let pid = process.processIdentifier
    return await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
            if result == pid {
                let signalled = status & 0x7f != 0
                continuation.resume(returning: signalled ? 128 + (status & 0x7f) : (status >> 8) & 0xff)
            } else {
                // Foundation reaped it first: its status is known.
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }
}

/// The cluster this process started, stopped by `atexit` (the script's watchdog covers a crash).
nonisolated(unsafe) private var startedClusterDirectory: String?

private func stopClusterAtExit(_ directory: String) {
    startedClusterDirectory = directory
    atexit {
        guard let directory = startedClusterDirectory else { return }
        launchClusterStop(directory)?.waitUntilExit()
    }
}

/// Starts `Scripts/pg-test-cluster.sh stop DIRECTORY` (its output discarded); nil when it cannot be launched.
private func launchClusterStop(_ directory: String) -> Process? {
    let process = Process()
    process.executableURL = repositoryRoot.appendingPathComponent("Scripts/pg-test-cluster.sh")
    process.arguments = ["stop", directory]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
        return process
    } catch {
        return nil
    }
}

/// A PostgreSQL cluster of one test's own, for tests that crash and restart the server (the shared one serves
/// every other test at the same time).
public final class PostgresTestCluster: Sendable {
    public let directory: String
    public let url: PostgresURL

    private init(directory: String, url: PostgresURL) {
        self.directory = directory
        self.url = url
    }

    /// Starts a new cluster in a scratch directory (stopped by the script's watchdog should the tests crash).
    public static func start() async throws -> PostgresTestCluster {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-pg-own-\(UUID().uuidString.prefix(8))").path
        let output: String
        do {
            output = try await runPostgresClusterScript(
                ["start", directory], environment: ["PG_TEST_CLUSTER_WATCH_PID": "\(ProcessInfo.processInfo.processIdentifier)"])
        } catch {
            throw PostgresTestServerUnavailable(reason: "Scripts/pg-test-cluster.sh could not start a cluster: \(error)")
        }
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        return PostgresTestCluster(directory: directory, url: try PostgresURL(line))
    }

    /// Kills the server as a crash would and starts it again on the same port.
    public func restart() async throws {
        _ = try await runPostgresClusterScript(["restart", directory])
    }

    /// Kills the server as a crash would, keeping its data and port, until `resume()`.
    public func kill() async throws {
        _ = try await runPostgresClusterScript(["kill", directory])
    }

    /// Starts the killed server again on its port.
    public func resume() async throws {
        _ = try await runPostgresClusterScript(["resume", directory])
    }

    /// Stops the server and removes its files, without waiting (for `defer`).
    public func stopWhenDone() {
        _ = launchClusterStop(directory)
    }
}
