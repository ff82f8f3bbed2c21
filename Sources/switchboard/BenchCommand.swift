import ArgumentParser

/// `switchboard bench`: the project's own benchmarks.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Switchboard against raw LMDB on this machine.",
        subcommands: [])
}
