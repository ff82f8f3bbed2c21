import Foundation
import PostgresEventLog
import PostgresNIO

extension PostgresBenchmark {
    /// pgbench's rate of single-row INSERTs of `payload` as jsonb, each its own transaction, from `clients`
    /// clients: the server's durable-commit rate for the simplest write. Nil (with a warning) when pgbench fails.
    func pgbenchInserts(_ database: PostgresURL, clients: Int, transactions: Int, payload: Data) async throws -> Double? {
        _ = try await withConnection(to: database) { connection in
            try await connection.query(
                "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload jsonb NOT NULL)", logger: logger)
        }
        let scratch = options.directory.appendingPathComponent("pgbench-\(clients)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let script = scratch.appendingPathComponent("insert.sql")
        let literal = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "'", with: "''")
        try Data("INSERT INTO bench_insert (payload) VALUES ('\(literal)');\n".utf8).write(to: script)
        let output = scratch.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            options.pgbench, "-n", "-h", database.host, "-p", "\(database.port)", "-U", database.username,
            "-c", "\(clients)", "-j", "\(min(clients, 2))", "-t", "\(max(1, transactions / clients))",
            "-f", script.path, database.database,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let password = database.password { environment["PGPASSWORD"] = password }
        process.environment = environment
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try? handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0,
            let range = text.range(of: #"tps = [0-9.]+"#, options: .regularExpression),
            let tps = Double(text[range].dropFirst("tps = ".count))
        else {
            logger.warning("pgbench failed", metadata: ["status": "\(status)", "output": "\(text)"])
            return nil
        }
        return tps
    }
}

extension PostgresBenchmark.Report {
    /// The report as Markdown, ready for BENCHMARKS.md.
    public var markdown: String {
        func rate(_ value: Double) -> String { String(format: "%.0f", value) }
        var lines = [
            "Server: \(server). Payloads of \(options.payloadBytes) bytes; each append is one new conversation's event, "
                + "awaited before the writer's next.",
            "",
            "| writers | PostgreSQL log events/s | LMDB log events/s | pgbench single-row INSERTs/s | PostgreSQL log / pgbench |",
            "|---:|---:|---:|---:|---:|",
        ]
        for row in appends {
            let pgbench = row.pgbenchInserts.map(rate) ?? "n/a"
            let ratio = row.pgbenchInserts.map { String(format: "%.0f%%", row.postgres.eventsPerSecond / max(1, $0) * 100) } ?? "n/a"
            lines.append(
                "| \(row.writers) | \(rate(row.postgres.eventsPerSecond)) | \(rate(row.lmdb.eventsPerSecond)) | \(pgbench) | \(ratio) |")
        }
        lines += [
            "",
            "| inbound messages through the API, \(options.connections) connections, durable and projected before 201 | messages/s | p50 | p99 |",
            "|---|---:|---:|---:|",
            "| PostgreSQL log | \(rate(inboundPostgres.measurement.eventsPerSecond)) | \(inboundPostgres.p50.millisecondsText) | \(inboundPostgres.p99.millisecondsText) |",
            "| LMDB log | \(rate(inboundLMDB.measurement.eventsPerSecond)) | \(inboundLMDB.p50.millisecondsText) | \(inboundLMDB.p99.millisecondsText) |",
        ]
        return lines.joined(separator: "\n")
    }
}
