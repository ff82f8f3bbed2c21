import EventLog
import Foundation
import Hummingbird
import InboxCore
import Logging

/// Builds the whole service: the log, its bootstrap, the routes and the background services. The executable
/// and the tests both run this wiring.
public func buildApplication(
    configuration: AppConfiguration, logger: Logger = Logger(label: "switchboard")
) async throws -> some ApplicationProtocol {
    let log = try LMDBEventLog(path: configuration.logDirectory, logger: logger)
    do {
        try await AdminTokenBootstrap.run(log: log, configuration: configuration, logger: logger)
    } catch {
        await log.close()
        throw error
    }

    let router = Router(context: SwitchboardRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    HealthRoutes(log: log).register(on: router)

    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "switchboard"),
        services: [EventLogService(log: log)],
        logger: logger)
}
