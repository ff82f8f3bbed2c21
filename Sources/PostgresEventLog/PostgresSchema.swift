import Foundation
import InboxCore
import Logging
import PostgresNIO

/// The log's tables, created and migrated when a log opens. Migrations run in order, each in the same
/// transaction as the version bump, under an advisory lock so that nodes starting together migrate once.
enum PostgresSchema {
    /// Every migration, in order; the schema's version is how many have run. Never edit one that shipped.
    static let migrations: [[PostgresQuery]] = [
        [
            // `payload` keeps the exact bytes appended: the log must answer them byte for byte, and jsonb reorders
            // keys and drops whitespace. `payload_json` is the same document as jsonb, filled in by the server on
            // insert, so operators can query and index payloads in SQL. A payload that is not JSON is refused.
            """
            CREATE TABLE events (
                position bigint PRIMARY KEY,
                stream_id text NOT NULL,
                stream_version bigint NOT NULL,
                event_id uuid NOT NULL UNIQUE,
                type text NOT NULL,
                actor_kind text NOT NULL,
                actor_id text NOT NULL,
                correlation_id uuid,
                causation_id uuid,
                recorded_at timestamptz NOT NULL,
                payload bytea NOT NULL,
                payload_json jsonb NOT NULL,
                UNIQUE (stream_id, stream_version)
            )
            """,
            "CREATE TABLE blobs (digest text PRIMARY KEY, bytes bytea NOT NULL)",
        ],
        [
            // The log's identity, made once: nodes' read models remember which log they were built from.
            "CREATE TABLE switchboard_log (identity uuid NOT NULL)",
            "INSERT INTO switchboard_log (identity) VALUES (md5(random()::text || clock_timestamp()::text)::uuid)",
        ],
    ]

    /// The log's identity (made by the second migration).
    static func identity(_ connection: PostgresConnection, logger: Logger) async throws -> UUID {
        for row in try await connection.queryAll("SELECT identity FROM switchboard_log", logger: logger) {
            return try row.decode(UUID.self)
        }
        throw EventLogError.storage("the switchboard_log table holds no identity")
    }

    /// Any number, as long as it is the same on every node: it names the migration lock.
    static let migrationLockKey: Int64 = 0x5377_4D69_6772  // "SwMigr"

    /// Brings the database to the latest schema.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS switchboard_schema (version integer NOT NULL)", logger: logger)
            var current: Int32?
            for try await version in try await connection.query(
                "SELECT version FROM switchboard_schema", logger: logger
            ).decode(Int32.self) {
                current = version
            }
            if current == nil {
                try await connection.query("INSERT INTO switchboard_schema (version) VALUES (0)", logger: logger)
            }
            let version = Int(current ?? 0)
            guard version <= migrations.count else {
                throw EventLogError.storage(
                    "the database's schema is at version \(version), newer than this build knows (\(migrations.count))")
            }
            for (index, statements) in migrations.enumerated().dropFirst(version) {
                for statement in statements { try await connection.query(statement, logger: logger) }
                let newVersion = Int32(index + 1)
                try await connection.query("UPDATE switchboard_schema SET version = \(newVersion)", logger: logger)
                logger.info("Migrated the event log schema", metadata: ["eventlog.schema_version": "\(newVersion)"])
            }
        }
    }
}
