import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// The reports (API.md): who replies most, how fast the team responds, how the bots do. Each is computed from
/// the analytics facts of the inboxes the caller may see, in the period asked; `asOf` answers from the facts of
/// the events recorded up to that instant: the report as it stood then.
struct ReportRoutes {
    let backend: Backend

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.get("reports/agents", use: agents)
        api.get("reports/response-times", use: responseTimes)
        api.get("reports/bots", use: bots)
    }

    @Sendable func agents(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let query = try await scope(request, context)
        let rows = try backend.read { txn in try backend.views.analytics.agents(query, in: txn) }
        return try JSONOutput.response(Items(items: rows))
    }

    @Sendable func responseTimes(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let groupBy = request.uri.queryParameters.get("groupBy").map { String($0) } ?? "day"
        let grouping: ResponseTimeGrouping
        switch groupBy {
        case "day": grouping = .day
        case "inbox": grouping = .inbox
        case "channel": grouping = .channel
        case "team":
            // Each user's teams, once: the grouping asks for every fact.
            let teams = try await teamsExisting(at: try await asOfPosition(request))
            var teamsOfUser: [String: [String]] = [:]
            for team in teams {
                for member in Set(team.memberIds) { teamsOfUser[member, default: []].append(team.id) }
            }
            grouping = .team(teamsOfUser: teamsOfUser)
        default:
            throw APIError.badRequest("'groupBy' must be day, inbox, channel or team.", code: "invalid_query")
        }
        let query = try await scope(request, context)
        let rows = try backend.read { txn in try backend.views.analytics.responseTimes(query, grouping: grouping, in: txn) }
        return try JSONOutput.response(Items(items: rows))
    }

    @Sendable func bots(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let query = try await scope(request, context)
        let rows = try backend.read { txn in try backend.views.analytics.bots(query, in: txn) }
        return try JSONOutput.response(Items(items: rows))
    }

    struct Items<Row: Encodable & Sendable>: Encodable, Sendable {
        var items: [Row]
    }

    /// Which facts the report counts: those of the inboxes the caller may see (one, with `inboxId`), that happened
    /// in [`from`, `to`), as known at `asOf`.
    private func scope(_ request: Request, _ context: SwitchboardRequestContext) async throws -> AnalyticsQuery {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        let inboxId = query.get("inboxId").map { String($0) }
        if let inboxId {
            let exists = try backend.read { txn in try backend.views.directory.inbox(inboxId, in: txn) } != nil
            guard exists, caller.mayAccess(inboxId: inboxId) else { throw APIError.notFound("No such inbox.") }
        }
        let from = try AuditRoutes.time(query.get("from").map { String($0) }, "from")
        let to = try AuditRoutes.time(query.get("to").map { String($0) }, "to")
        if let from, let to, from >= to { throw APIError.badRequest("'from' must come before 'to'.", code: "invalid_query") }
        let upTo = try await asOfPosition(request)
        let includes: @Sendable (String) -> Bool
        if let inboxId {
            includes = { $0 == inboxId }
        } else {
            includes = { caller.mayAccess(inboxId: $0) }
        }
        return AnalyticsQuery(includes: includes, from: from, to: to, upTo: upTo)
    }

    /// The position of the last event recorded at or before `asOf` (times are kept to the millisecond); nil without it.
    private func asOfPosition(_ request: Request) async throws -> UInt64? {
        guard let asOf = try AuditRoutes.time(request.uri.queryParameters.get("asOf").map { String($0) }, "asOf") else { return nil }
        return try await AuditQuery(log: backend.log).firstPosition(recordedAtOrAfter: asOf.addingTimeInterval(0.001)) - 1
    }

    /// The teams as the log stood at `position` (all of them when nil): a team's members are set when it is
    /// created, so the teams then are those created by then.
    private func teamsExisting(at position: UInt64?) async throws -> [TeamView] {
        let teams = try backend.read { txn in try backend.views.directory.teams(in: txn) }
        guard let position else { return teams }
        var existing: [TeamView] = []
        for team in teams {
            let created = try await backend.log.readStream(TeamEvent.stream(team.id), from: 1, maxCount: 1).first
            if let created, created.position <= position { existing.append(team) }
        }
        return existing
    }
}
