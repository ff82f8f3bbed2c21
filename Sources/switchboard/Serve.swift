import ArgumentParser
import Foundation
import Hummingbird
import InboxAPI
import Logging

/// `switchboard serve`: runs the HTTP API on the embedded LMDB log until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service (LMDB under --data).",
        discussion: "SWITCHBOARD_ADMIN_TOKEN registers that token for the first admin of an empty log.")

    @Option(help: "Directory of the embedded data.") var data = "./data"
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "HTTP port (0 picks a free one).") var port = 8080
    @Option(help: "Domain of the inboxes' fallback email addresses.") var mailDomain = "switchboard.localhost"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(help: "Per-token request budget as <requests>/<seconds> (off unless set); over it answers 429.")
    var rateLimit: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        if let rateLimit, RateLimit(rateLimit) == nil {
            throw ValidationError("--rate-limit must be <requests>/<seconds>, both positive, such as 600/60")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = AppConfiguration()
        configuration.dataDirectory = data
        configuration.host = host
        configuration.port = port
        configuration.mailDomain = mailDomain
        configuration.rateLimit = rateLimit.flatMap(RateLimit.init)
        configuration.adminToken = ProcessInfo.processInfo.environment["SWITCHBOARD_ADMIN_TOKEN"].flatMap {
            $0.isEmpty ? nil : $0
        }
        let app = try await buildApplication(configuration: configuration, logger: Logger(label: "switchboard"))
        try await app.runService()
    }
}
