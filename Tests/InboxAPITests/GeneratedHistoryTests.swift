import EventLog
import Foundation
import HTTPTypes
import HummingbirdTesting
import InboxAPI
import InboxCore
import LMDB
import Logging
import MessengerChannel
import Testing
import TestSupport

/// Four weeks of a seeded, generated history (thousands of conversations on every channel, bots, agents in
/// teams, reopenings) with the service's clock following it: the live reports equal a recomputation from the raw
/// events by API.md's definitions, whole and narrowed (an inbox, a period, an agent's inboxes); they are the same
/// after `switchboard replay` rebuilds the views; and `asOf` an instant of the history answers what the live
/// reports said at that instant.
@Suite(.serialized, .timeLimit(.minutes(5))) struct GeneratedHistoryTests {
    /// A Monday: day keys follow the simulated calendar.
    static let start = Timestamps.parse("2026-03-02T00:00:00.000Z")!
    static let week = 7 * 86_400
    static let conversations = 2_100

    /// Where a generated second lands: each week's end leaves six hours for the work done through the API.
    static func instant(_ second: Int) -> Date {
        start.addingTimeInterval(Double(second + 6 * 3_600 * min(3, second / week)))
    }

    /// The reports compared whole, live, after a replay and as of the captured instants.
    static let wholeReports = [
        "reports/agents", "reports/response-times?groupBy=day", "reports/response-times?groupBy=inbox",
        "reports/response-times?groupBy=channel", "reports/response-times?groupBy=team", "reports/bots",
    ]

    /// One report to read: its path with the query, who asks, and what part of the history it covers.
    struct Query: Sendable {
        var path: String
        var token: String = APIHarness.adminToken
        var scope: ReportScope

        /// What an answer is kept under: the same path asked by two users gets two answers.
        var key: String { path + " as " + token }
    }

    /// The app on the harness's data with the simulated clock, on a real port (the chat socket needs one).
    func run<R: Sendable>(_ configuration: AppConfiguration, _ body: @Sendable (APIClient, Int) async throws -> R) async throws -> R {
        let app = try await buildApplication(configuration: configuration)
        let box = ResultBox<R>()
        try await app.test(.live) { client in await box.set(try await body(APIClient(client: client), try #require(client.port))) }
        return try #require(await box.value)
    }

    /// The app's log, opened while the app is stopped, to append the generated history through the writer the app
    /// uses; the app's projections fold those events when it starts, as they fold any they have not seen yet.
    func openLog(_ configuration: AppConfiguration) throws -> LMDBEventLog {
        var log = LMDBEventLog.Configuration(path: configuration.logDirectory)
        log.now = configuration.now
        // Scratch data: one fsync per generated step would make the history minutes long.
        log.environment.durable = false
        return try LMDBEventLog(configuration: log, logger: Logger(label: "history"))
    }

    func rawEvents(_ configuration: AppConfiguration) async throws -> [RawEvent] {
        let log = try openLog(configuration)
        var events: [RawEvent] = []
        while true {
            let page = try await log.read(from: UInt64(events.count) + 1, maxCount: 5_000)
            events += try page.map(RawEvent.init)
            if page.count < 5_000 { break }
        }
        await log.close()
        return events
    }

    /// A report through the API as rows; the agents report is checked to come most replies first.
    static func read(_ api: APIClient, _ query: Query) async throws -> [String: [Double?]] {
        let answer = try await api.call(.get, query.path, token: query.token)
        try #require(answer.status == .ok, "\(query.path): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        if query.path.hasPrefix("reports/agents") {
            let replies = answer.items.map { $0["repliesSent"] as? Int ?? -1 }
            #expect(replies == replies.sorted(by: >), "\(query.path) is not sorted by repliesSent")
            return try ReportRecomputation.rows(answer.body, key: "userId", fields: ReportRecomputation.agentFields)
        }
        if query.path.hasPrefix("reports/bots") {
            return try ReportRecomputation.rows(answer.body, key: "channelId", fields: ReportRecomputation.botFields)
        }
        return try ReportRecomputation.rows(answer.body, key: "key", fields: ReportRecomputation.responseTimeFields)
    }

    static func readAll(_ api: APIClient, _ queries: [Query]) async throws -> [String: [String: [Double?]]] {
        var answers: [String: [String: [Double?]]] = [:]
        for query in queries { answers[query.key] = try await read(api, query) }
        return answers
    }

    static func expected(_ recomputed: ReportRecomputation, _ query: Query) -> [String: [Double?]] {
        if query.path.hasPrefix("reports/agents") { return recomputed.agents(query.scope) }
        if query.path.hasPrefix("reports/bots") { return recomputed.bots(query.scope) }
        let groupBy = URLComponents(string: query.path)?.queryItems?.first { $0.name == "groupBy" }?.value ?? "day"
        return recomputed.responseTimes(query.scope, groupBy: groupBy)
    }

    /// The whole reports, then narrowed: to one inbox, to a period, to what an agent may see, and as of each
    /// captured instant.
    static func queries(_ o: HistoryOrganisation, asOf instants: [Date]) -> [Query] {
        var queries = wholeReports.map { Query(path: $0, scope: ReportScope()) }
        let billing = o.inboxes["Billing"]!, sales = o.inboxes["Sales"]!, support = o.inboxes["Support"]!
        func with(_ path: String, _ parameters: String) -> String { path + (path.contains("?") ? "&" : "?") + parameters }
        for (path, inbox) in [("reports/agents", billing), ("reports/response-times?groupBy=day", billing), ("reports/bots", sales)] {
            queries.append(Query(path: with(path, "inboxId=\(inbox)"), scope: ReportScope(inboxes: [inbox])))
        }
        let (from, to) = (instant(week), instant(2 * week))
        for path in ["reports/agents", "reports/response-times?groupBy=channel", "reports/bots"] {
            queries.append(Query(
                path: with(path, "from=\(Timestamps.format(from))&to=\(Timestamps.format(to))"), scope: ReportScope(from: from, to: to)))
        }
        // Ben works in Support only; Dev in Support and Billing, asking for Billing alone.
        for path in ["reports/agents", "reports/response-times?groupBy=inbox", "reports/response-times?groupBy=team", "reports/bots"] {
            queries.append(Query(path: path, token: o.tokens["Ben"]!, scope: ReportScope(inboxes: [support])))
        }
        queries.append(Query(path: with("reports/agents", "inboxId=\(billing)"), token: o.tokens["Dev"]!, scope: ReportScope(inboxes: [billing])))
        for instant in instants {
            for path in wholeReports {
                queries.append(Query(path: with(path, "asOf=\(Timestamps.format(instant))"), scope: ReportScope(asOf: instant)))
            }
            queries.append(Query(
                path: "reports/response-times?groupBy=team&asOf=\(Timestamps.format(instant))", token: o.tokens["Ben"]!,
                scope: ReportScope(inboxes: [support], asOf: instant)))
        }
        return queries
    }

    @Test func liveReplayedAndRecomputedReportsAgreeAndAsOfAnswersWhatTheyThenSaid() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let clock = SimulatedClock(Self.start)
        var configuration = harness.configuration
        configuration.now = { clock.now }
        // Messenger replies go nowhere (the Graph API is unreachable here) and a failed try is not repeated.
        configuration.messenger = MessengerSendAPI.Configuration(graphBaseURL: "http://127.0.0.1:1", apiVersion: "v25.0")
        configuration.messengerDeliveryPolicy = DeliveryPolicy(retryDelays: [])
        let app = configuration

        let o = try await run(app) { api, _ in try await HistoryOrganisation.create(api) }
        var generator = HistoryGenerator(random: SplitMix64(seed: 20_260_302), channels: o.channels, members: o.members)
        let steps = generator.schedule(conversations: Self.conversations, days: 26)
        var writer = HistoryWriter()
        var captures: [(instant: Date, reports: [String: [String: [Double?]]])] = []
        for week in 1...4 {
            let log = try openLog(app)
            for step in steps where step.second >= (week - 1) * Self.week && (week == 4 || step.second < week * Self.week) {
                let at = Self.instant(step.second)
                clock.move(to: at)
                try await writer.perform(step, at: at, on: log)
            }
            await log.close()
            clock.move(to: week < 4 ? Self.instant(week * Self.week - 1).addingTimeInterval(1) : clock.now.addingTimeInterval(6 * 3_600))
            let captured = try await run(app) { api, port in
                try await HistoryAPIWork.weekEnd(api, port: port, o, week: week, clock: clock)
                guard week == 1 || week == 3 else { return [String: [String: [Double?]]]() }
                return try await Self.readAll(api, Self.wholeReports.map { Query(path: $0, scope: ReportScope()) })
            }
            if !captured.isEmpty {
                captures.append((clock.now, captured))
                // What comes next is recorded after the captured instant.
                clock.move(to: clock.now.addingTimeInterval(1))
            }
        }
        #expect(writer.conversations.count == Self.conversations)

        let queries = Self.queries(o, asOf: captures.map { $0.instant })
        let live = try await run(app) { api, _ in
            let answers = try await Self.readAll(api, queries)
            // Another inbox's report does not exist for Ben.
            #expect(try await api.call(.get, "reports/agents?inboxId=\(o.inboxes["Billing"]!)", token: o.tokens["Ben"]!).status == .notFound)
            return answers
        }

        // The history is what it should be: every channel, the bot's every outcome, reopened conversations.
        let events = try await rawEvents(app)
        let recomputed = ReportRecomputation(events)
        let kinds = Dictionary(grouping: recomputed.measures, by: \.kind).mapValues(\.count)
        #expect(Set(recomputed.measures.map(\.channelType)) == ["email", "chat", "messenger", "form", "custom"])
        #expect(kinds[.cycleOpened, default: 0] > Self.conversations + 300, "reopened conversations open new cycles")
        let answeredAgain = Dictionary(grouping: recomputed.measures.filter { $0.kind == .firstResponse }, by: \.conversation).values
            .filter { $0.count > 1 }
        #expect(answeredAgain.count > 200, "reopened conversations answered again have a first response per cycle")
        #expect(kinds[.botSession, default: 0] > 300 && kinds[.handoff, default: 0] > 200)
        #expect(kinds[.botResolution, default: 0] > 100 && kinds[.emailCapture, default: 0] > 100)
        #expect(writer.skipped < Self.conversations / 10, "few steps were moot")
        #expect(events.filter { $0.type == "conversation.filtered.v1" }.count > 20, "the filters caught some mail")
        #expect(events.filter { $0.type == "conversation.assigned.v1" && !($0.payload["assigneeId"] is String) }.count > 20, "some were unassigned")
        // Each stop cut a Messenger delivery short (the Graph API is unreachable here): that is no attempt.
        let cutShort = events.filter { $0.type.hasPrefix("delivery.") && ($0.payload["reason"] as? String)?.contains("CancellationError") == true }
        #expect(cutShort.isEmpty, "a stop recorded \(cutShort.count) delivery failures")

        #expect(recomputed.teams.count == 4, "three teams, and one formed in the second week")
        // Compared exactly: every time in the history is a whole second, so sums of seconds are exact whatever the
        // order they are added in, and averages and medians come out the same bits.
        for query in queries {
            let expected = Self.expected(recomputed, query)
            let answer = live[query.key] ?? [:]
            #expect(!expected.isEmpty, "\(query.path) covers something")
            #expect(answer == expected, "\(query.path): \(ReportRecomputation.differences(answer, expected))")
        }
        for (instant, reports) in captures {
            for path in Self.wholeReports {
                let then = Query(path: path, scope: ReportScope()).key
                let asOf = Query(path: path + (path.contains("?") ? "&" : "?") + "asOf=\(Timestamps.format(instant))", scope: ReportScope())
                #expect(live[asOf.key] == reports[then], "\(asOf.path)")
                #expect(live[then] != reports[then], "\(path) changed after \(instant)")
            }
        }

        // Rebuilt from the log alone, the views answer the same.
        let replay = try await Replay.run(
            dataDirectory: app.dataDirectory, projections: [], until: nil, output: nil, logger: Logger(label: "replay"))
        #expect(replay.through >= UInt64(events.count))
        let replayed = try await run(app) { api, _ in try await Self.readAll(api, queries) }
        for query in queries {
            #expect(replayed[query.key] == live[query.key], "after the replay, \(query.path)")
        }
    }
}
