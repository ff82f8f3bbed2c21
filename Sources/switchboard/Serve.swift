import ArgumentParser
import EmailChannel
import Foundation
import Hummingbird
import InboxAPI
import Logging
import MessengerChannel
import PostgresEventLog

/// `switchboard serve`: runs the HTTP API until SIGTERM or SIGINT, on the embedded LMDB log or, with `--log`, on
/// a PostgreSQL log that several nodes share (each keeping its read models under its own `--data`).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the service (LMDB under --data, or the log on PostgreSQL with --log).",
        discussion: """
            With --log postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require] the event log \
            lives in PostgreSQL and any number of nodes may share it; --data then holds this node's read models only. \
            Its password is best given in PGPASSWORD rather than on the command line. \

            SWITCHBOARD_ADMIN_TOKEN registers that token for the first admin of an empty log. \
            SWITCHBOARD_SMTP_RELAY_PASSWORD is the relay's password (with --smtp-relay-user); secrets never go on the command line.
            """)

    @Option(help: "Directory of the embedded data.") var data = "./data"
    @Option(help: "The shared event log, as postgres://user@host[:port]/database (default: LMDB under --data).")
    var log: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "HTTP port (0 picks a free one).") var port = 8080
    @Option(help: "Domain of the inboxes' fallback email addresses.") var mailDomain = "switchboard.localhost"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(help: "Per-token request budget as <requests>/<seconds> (off unless set); over it answers 429.")
    var rateLimit: String?
    @Option(help: "SMTP listener port for inbound email (0 picks a free one).") var smtpPort = 2525
    @Flag(help: "Run no SMTP listener.") var noSmtp = false
    @Option(help: "Largest message the SMTP listener takes, in bytes (552 above it).") var smtpMaxMessageBytes = 25 * 1024 * 1024
    @Option(help: "SMTP relay replies leave through, as host:port (replies stay queued until one is set).")
    var smtpRelay: String?
    @Option(help: "User name for the relay's AUTH.") var smtpRelayUser: String?
    @Option(help: "none, starttls or starttls-if-available.") var smtpRelaySecurity = "starttls-if-available"
    @Option(help: "Base URL of Meta's Graph API, where Messenger replies go.") var messengerGraphUrl = "https://graph.facebook.com"
    @Option(help: "Graph API version of the Send API.") var messengerApiVersion = MessengerSendAPI.Configuration().apiVersion

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (0...65535).contains(smtpPort) else { throw ValidationError("--smtp-port must be 0 to 65535") }
        if let smtpRelay, Self.hostAndPort(smtpRelay) == nil {
            throw ValidationError("--smtp-relay must be host:port, such as mail.example.com:587")
        }
        guard Self.security(smtpRelaySecurity) != nil else {
            throw ValidationError("--smtp-relay-security must be none, starttls or starttls-if-available")
        }
        guard let url = URL(string: messengerGraphUrl), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--messenger-graph-url must be an http(s) URL, such as https://graph.facebook.com")
        }
        if let log {
            do {
                _ = try PostgresURL(log)
            } catch {
                throw ValidationError("--log: \(error)")
            }
        }
        if let rateLimit, RateLimit(rateLimit) == nil {
            throw ValidationError("--rate-limit must be <requests>/<seconds>, both positive, such as 600/60")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        CommandLogging.bootstrap(level: level)
        var configuration = AppConfiguration()
        configuration.dataDirectory = data
        configuration.host = host
        configuration.port = port
        configuration.mailDomain = mailDomain
        configuration.rateLimit = rateLimit.flatMap(RateLimit.init)
        configuration.adminToken = ProcessInfo.processInfo.environment["SWITCHBOARD_ADMIN_TOKEN"].flatMap {
            $0.isEmpty ? nil : $0
        }
        configuration.smtpPort = noSmtp ? nil : smtpPort
        configuration.smtpMaxMessageBytes = smtpMaxMessageBytes
        if let smtpRelay, let (relayHost, relayPort) = Self.hostAndPort(smtpRelay) {
            var relay = SMTPRelay.Configuration(host: relayHost, port: relayPort)
            relay.username = smtpRelayUser
            relay.password = ProcessInfo.processInfo.environment["SWITCHBOARD_SMTP_RELAY_PASSWORD"]
            relay.security = Self.security(smtpRelaySecurity) ?? .startTLSIfAvailable
            relay.heloName = mailDomain
            configuration.smtpRelay = relay
        }
        configuration.messenger = MessengerSendAPI.Configuration(graphBaseURL: messengerGraphUrl, apiVersion: messengerApiVersion)
        let logger = Logger(label: "switchboard")
        guard let log else {
            let app = try await buildApplication(configuration: configuration, logger: logger)
            try await app.runService()
            return
        }
        let target = try PostgresURL(log).withPassword(from: ProcessInfo.processInfo.environment)
        try await PostgresEventLog.withLog(url: target.urlString, logger: logger) { sharedLog in
            let app = try await buildApplication(configuration: configuration, sharedLog: sharedLog, logger: logger)
            try await app.runService()
        }
    }

    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port), colon != text.startIndex
        else { return nil }
        return (String(text[..<colon]), port)
    }

    static func security(_ text: String) -> SMTPRelay.Configuration.Security? {
        switch text {
        case "none": .none
        case "starttls": .startTLS
        case "starttls-if-available": .startTLSIfAvailable
        default: nil
        }
    }
}
