import ArgumentParser

/// The `switchboard` command.
@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A shared team inbox on an event-sourced log.",
        subcommands: [Serve.self, AuditCommand.self, ReplayCommand.self, BenchCommand.self],
        defaultSubcommand: Serve.self)
}
