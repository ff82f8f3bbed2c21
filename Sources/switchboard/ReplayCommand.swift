import ArgumentParser
import Foundation
import InboxAPI
import Logging

/// `switchboard replay`: read models rebuilt from the log.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild read models from the log into a fresh directory and swap them in.",
        discussion: """
            Without --output the rebuilt views replace <data>/views; a running service keeps the views it opened \
            until it restarts, then continues from the rebuilt ones. Projections left out rebuild on the next start.
            """)

    @Option(help: "Directory of the embedded data.") var data = "./data"
    @Option(name: .customLong("projection"), help: "Rebuild only this projection (repeatable): directory, conversations, notifications, analytics.")
    var projections: [String] = []
    @Option(help: "Stop at this log position or RFC 3339 instant.") var until: String?
    @Option(help: "Leave the rebuilt views in this directory instead of swapping them in.") var output: String?

    func run() async throws {
        CommandLogging.bootstrap(level: .warning)
        let outcome: Replay.Outcome
        do {
            outcome = try await Replay.run(
                dataDirectory: data, projections: projections, until: until, output: output, logger: Logger(label: "switchboard"))
        } catch let failure as Replay.Failure {
            throw ValidationError(failure.description)
        }
        let rate = outcome.seconds > 0 ? Int(Double(outcome.events) / outcome.seconds) : outcome.events
        print("Replayed \(outcome.events) events through position \(outcome.through) in \(String(format: "%.2f", outcome.seconds)) s (\(rate) events/s) into \(outcome.directory)")
    }
}
