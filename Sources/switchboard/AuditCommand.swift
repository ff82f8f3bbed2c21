import ArgumentParser
import Foundation
import InboxAPI
import InboxCore
import Logging

/// `switchboard audit`: who did what, when, from the log itself.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the log's events that match the filters as JSON lines (envelopes; secrets redacted).",
        discussion: "Reads the data directory's log directly: safe while `switchboard serve` runs.")

    @Option(help: "Directory of the embedded data.") var data = "./data"
    @Option(name: .customLong("actor"), help: "Only events by this actor id (user, contact, bot, system or integration).")
    var actorId: String?
    @Option(name: .customLong("conversation"), help: "Only events about this conversation.") var conversationId: String?
    @Option(name: .customLong("type"), help: "Only events of this type (repeatable), such as conversation.reply_posted.v1.")
    var types: [String] = []
    @Option(help: "Only events recorded at or after this RFC 3339 time.") var from: String?
    @Option(help: "Only events recorded before this RFC 3339 time.") var to: String?

    func run() async throws {
        CommandLogging.bootstrap(level: .warning)
        let filter: AuditFilter
        do {
            filter = try AuditExport.filter(actorId: actorId, conversationId: conversationId, types: types, from: from, to: to)
        } catch {
            throw ValidationError("\(error)")
        }
        try await AuditExport.run(dataDirectory: data, filter: filter, logger: Logger(label: "switchboard")) { line in
            print(line)
        }
    }
}
