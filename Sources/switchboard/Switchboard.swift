import ArgumentParser
import Logging

/// The `switchboard` command.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A shared team inbox on an event-sourced log.",
        subcommands: [Serve.self, AuditCommand.self, ReplayCommand.self, BenchCommand.self],
        defaultSubcommand: Serve.self)
}

enum CommandLogging {
    /// Every logger writes to standard error from `level` up: standard output is the commands' answer.
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
