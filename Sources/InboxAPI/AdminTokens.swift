import Crypto
import Foundation
import InboxCore
import Logging

/// API tokens: random, shown once, stored only as a SHA-256 digest.
enum APITokens {
    /// A new token: `sbt_` and 32 random bytes in hex.
    static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "sbt_" + hex(bytes)
    }

    /// The digest kept in the log.
    static func hash(_ token: String) -> String {
        hex(SHA256.hash(data: Data(token.utf8)))
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        Hex.encode(bytes)
    }
}

/// Registers the first admin when the log is empty; does nothing afterwards (so a restart changes nothing).
enum AdminTokenBootstrap {
    /// A token given through `SWITCHBOARD_ADMIN_TOKEN` that is too short to be safe.
    struct WeakToken: Error, CustomStringConvertible {
        var description: String { "SWITCHBOARD_ADMIN_TOKEN must be at least 16 characters" }
    }

    static func run(log: some EventLog, configuration: AppConfiguration, logger: Logger) async throws {
        if let given = configuration.adminToken, given.count < 16 { throw WeakToken() }
        let head = try await log.head()
        guard head == 0 else { return }
        let token = configuration.adminToken ?? APITokens.generate()
        let command = AdminBootstrap.Command(
            userId: Identifiers.make(), tokenId: Identifiers.make(), tokenHash: APITokens.hash(token))
        do {
            _ = try await log.append(try AdminBootstrap.decide(command, head: head))
        } catch let error as EventLogError where error.isWrongExpectedVersion {
            // Another node sharing the log registered the first admin a moment ago.
            return
        }
        logger.notice("Registered the first admin", metadata: ["user.id": "\(command.userId)"])
        if configuration.adminToken == nil { configuration.announceGeneratedAdminToken(token) }
    }
}
