import EmailChannel
import EventLog
import Foundation
import Hummingbird
import HummingbirdWebSocket
import InboxCore
import Logging
import MessengerChannel
import NIOCore
import Projections
import ServiceLifecycle

/// Builds the whole service on the embedded LMDB log under `configuration.dataDirectory`: the log, its bootstrap,
/// the read models and their runner, the routes. The executable and the tests both run this wiring.
public func buildApplication(
    configuration: AppConfiguration, logger: Logger = Logger(label: "switchboard")
) async throws -> some ApplicationProtocol {
    var logConfiguration = LMDBEventLog.Configuration(path: configuration.logDirectory)
    logConfiguration.now = configuration.now
    let log = try LMDBEventLog(configuration: logConfiguration, logger: logger)
    return try await wireApplication(configuration: configuration, log: log, closeLog: { await log.close() }, logger: logger)
}

/// Builds the whole service on a log its caller opened and closes (the PostgreSQL log shared by several nodes),
/// with this node's read models in `configuration.viewsDirectory`.
public func buildApplication(
    configuration: AppConfiguration, sharedLog: any EventLog, logger: Logger = Logger(label: "switchboard")
) async throws -> some ApplicationProtocol {
    try await wireApplication(configuration: configuration, log: sharedLog, closeLog: nil, logger: logger)
}

/// `closeLog` closes the log on shutdown (after the servers and the runner have stopped), when this service owns it.
private func wireApplication(
    configuration: AppConfiguration, log: any EventLog, closeLog: (@Sendable () async -> Void)?, logger: Logger
) async throws -> some ApplicationProtocol {
    let views: ReadModels
    let runner: ProjectionRunner
    let headAtStart: UInt64
    do {
        try await AdminTokenBootstrap.run(log: log, configuration: configuration, logger: logger)
        views = try ReadModels(path: configuration.viewsDirectory)
        runner = try ProjectionRunner(log: log, environment: views.environment, projections: views.projections, logger: logger)
        headAtStart = try await log.head()
    } catch {
        await closeLog?()
        throw error
    }

    let backend = Backend(log: log, runner: runner, views: views, configuration: configuration)
    let router = buildRouter(backend: backend, headAtStart: headAtStart)
    let webhooks = WebhookDispatcher(backend: backend, configuration: configuration.webhooks, logger: logger)
    // Shut down in reverse: the servers first, then deliveries, the runner, then the log and views.
    var services: [any Service] = [EventLogService(closeLog: closeLog, views: views), runner, webhooks]
    services.append(MessengerDeliveryService(
        backend: backend, api: MessengerSendAPI(configuration: configuration.messenger), policy: configuration.messengerDeliveryPolicy,
        logger: logger))
    if let relay = configuration.smtpRelay {
        let relay = SMTPRelay(configuration: relay, logger: logger)
        services.append(EmailDeliveryService(backend: backend, relay: relay, policy: configuration.emailDeliveryPolicy, logger: logger))
        services.append(NotificationEmailService(
            backend: backend, relay: relay, policy: configuration.notificationEmailPolicy, logger: logger))
    }
    if let smtpPort = configuration.smtpPort {
        var smtp = SMTPServer.Configuration()
        smtp.host = configuration.host
        smtp.port = smtpPort
        smtp.hostname = configuration.mailDomain
        smtp.maxMessageBytes = configuration.smtpMaxMessageBytes
        services.append(SMTPServer(
            configuration: smtp, receiver: EmailIntake(backend: backend, logger: logger), logger: logger,
            onListening: configuration.onSMTPListening))
    }

    let chat = ChatSocket(backend: backend, logger: logger)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade { request, _, _ in chat.shouldUpgrade(request) },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "switchboard"),
        services: services,
        onServerRunning: { channel in await configuration.onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger)
}

/// Every route of the service over `backend`; API requests wait until the views hold the log's `headAtStart`.
func buildRouter(backend: Backend, headAtStart: UInt64) -> Router<SwitchboardRequestContext> {
    let idempotency = Idempotency(backend: backend)
    let router = Router(context: SwitchboardRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(log: backend.log).register(on: router)
    ChatRoutes().register(on: router)
    MessengerRoutes(backend: backend).register(on: router)
    FormRoutes(backend: backend).register(on: router)
    let api = router.group("api/v1")
        .add(middleware: CatchUpMiddleware(runner: backend.runner, headAtStart: headAtStart))
        .add(middleware: MinLogPositionMiddleware(runner: backend.runner, maximumWait: backend.configuration.minLogPositionWait))
        .add(middleware: AuthMiddleware(views: backend.views))
    if let limit = backend.configuration.rateLimit {
        api.add(middleware: RateLimitMiddleware(limiter: RateLimiter(limit: limit)))
    }
    DirectoryRoutes(backend: backend, idempotency: idempotency).register(on: api)
    InboxRoutes(backend: backend, idempotency: idempotency).register(on: api)
    InboundRoutes(backend: backend, idempotency: idempotency).register(on: api)
    ConversationRoutes(backend: backend).register(on: api)
    ConversationCommandRoutes(backend: backend, idempotency: idempotency).register(on: api)
    ContactRoutes(backend: backend, idempotency: idempotency).register(on: api)
    EventFeedRoutes(backend: backend).register(on: api)
    AuditRoutes(backend: backend).register(on: api)
    ReportRoutes(backend: backend).register(on: api)
    NotificationRoutes(backend: backend, idempotency: idempotency).register(on: api)
    NotificationStream(backend: backend).register(on: api)
    WebhookRoutes(backend: backend, idempotency: idempotency).register(on: api)
    return router
}
