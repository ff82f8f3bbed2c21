import EmailChannel
import Foundation
import InboxCore
import MessengerChannel

/// Everything `switchboard serve` can be told.
public struct AppConfiguration: Sendable {
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The HTTP port; 0 picks a free one.
    public var port = 8080
    /// Where the embedded LMDB files live (the log under `log/`).
    public var dataDirectory = "./data"
    /// Registers this token for the first admin of an empty log (`SWITCHBOARD_ADMIN_TOKEN`).
    public var adminToken: String?
    /// The domain of every inbox's fallback address.
    public var mailDomain = "switchboard.localhost"
    /// Told the admin token generated for an empty log when none was given: it is shown once, never logged.
    public var announceGeneratedAdminToken: @Sendable (String) -> Void = { token in
        print("No SWITCHBOARD_ADMIN_TOKEN was set: the first admin's API token is \(token) (shown once; store it now)")
    }

    /// Per-token request budget; nil (the default) for none.
    public var rateLimit: RateLimit?

    /// The SMTP listener's port (API.md: 2525 for `serve`); nil runs no listener. 0 picks a free one.
    public var smtpPort: Int?
    /// The largest message the listener takes (552 above it).
    public var smtpMaxMessageBytes = 25 * 1024 * 1024
    /// Where email replies leave; nil keeps them queued until a relay is configured.
    public var smtpRelay: SMTPRelay.Configuration?
    /// When failed email deliveries are tried again.
    public var emailDeliveryPolicy = DeliveryPolicy.standard
    /// Where Messenger replies go: the Graph API's base URL and version.
    public var messenger = MessengerSendAPI.Configuration()
    /// When failed Messenger deliveries are tried again.
    public var messengerDeliveryPolicy = DeliveryPolicy.standard
    /// How notification emails gather per user and retry.
    public var notificationEmailPolicy = NotificationEmailPolicy.standard
    /// Told the SMTP listener's port once it accepts connections.
    public var onSMTPListening: @Sendable (Int) async -> Void = { _ in }

    /// How long a request with `Min-Log-Position` waits for this node's read models to reach it (then 503).
    public var minLogPositionWait: Duration = .seconds(5)

    /// How webhook deliveries retry and give up.
    var webhooks = WebhookDispatcher.Configuration()

    /// Told the port the HTTP server bound once it accepts connections (useful with `port` 0).
    public var onServerRunning: @Sendable (Int) async -> Void = { _ in }

    /// The service's clock: it stamps the log's `recordedAt` and the times the service records (messages received,
    /// replies, comments, the bot's answers). Rate limits and delivery retries keep to the real clock.
    public var now: @Sendable () -> Date = { Date() }

    public init() {}

    /// The read models' directory: derived from the log, rebuilt from it when removed.
    public var viewsDirectory: String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("views").path
    }

    /// The event log's directory.
    public var logDirectory: String {
        URL(fileURLWithPath: dataDirectory).appendingPathComponent("log").path
    }
}
