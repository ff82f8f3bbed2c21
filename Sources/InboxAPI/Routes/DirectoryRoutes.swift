import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import Projections

/// Users, tokens, availability and teams.
struct DirectoryRoutes {
    let backend: Backend
    let idempotency: Idempotency

    struct NewUser: RequestBody {
        static let fields: Set<String> = ["name", "email", "role"]
        var name: String
        var email: String
        var role: String
    }

    struct Availability: RequestBody {
        static let fields: Set<String> = ["available"]
        var available: Bool
    }

    struct NewTeam: RequestBody {
        static let fields: Set<String> = ["name", "memberIds"]
        var name: String
        var memberIds: [String]
    }

    struct IssuedToken: Encodable {
        var token: String
    }

    func register(on api: RouterGroup<SwitchboardRequestContext>) {
        api.post("users", use: createUser)
        api.get("users", use: listUsers)
        api.get("users/:id", use: getUser)
        api.post("users/:id/tokens", use: issueToken)
        api.put("users/:id/availability", use: setAvailability)
        // `me` as a constant: the router prefers constant segments (`users/me/notifications`) and does not fall
        // back to `:id`, so the caller's own routes are named outright.
        api.get("users/me", use: getUser)
        api.post("users/me/tokens", use: issueToken)
        api.put("users/me/availability", use: setAvailability)
        api.post("teams", use: createTeam)
        api.get("teams", use: listTeams)
        api.get("teams/:id", use: getTeam)
    }

    @Sendable func createUser(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let body = try await StrictJSON.decode(NewUser.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            guard let role = Role(rawValue: body.value.role) else {
                throw APIError.unprocessable("Field 'role' must be admin or agent.")
            }
            let userId = Identifiers.make()
            let batch = try invalidAsAPIError {
                try Directory.registerUser(userId: userId, name: body.value.name, email: body.value.email, role: role, by: caller.actor)
            }
            let position = try await backend.commit(batch) { _ in
                .conflict("A user with this email exists already.", code: "email_taken")
            }
            return try WriteAnswer(status: .created, UserJSON(try existingUser(userId)), logPosition: position)
        }
    }

    @Sendable func listUsers(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let users = try backend.read { txn in try backend.views.directory.users(in: txn) }
        return try JSONOutput.response(ListJSON(items: users.map(UserJSON.init)))
    }

    @Sendable func getUser(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        return try JSONOutput.response(UserJSON(try existingUser(try userId(context, caller))))
    }

    /// Admins issue tokens for anyone; a user for themself. Not replayable by Idempotency-Key: the token is
    /// shown once and never stored in clear.
    @Sendable func issueToken(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let userId = try userId(context, caller)
        guard caller.isAdmin || caller.userId == userId else { throw APIError.forbidden("Only an admin may issue tokens for others.") }
        _ = try existingUser(userId)
        let token = APITokens.generate()
        let batch = Directory.issueToken(
            userId: userId, tokenId: Identifiers.make(), tokenHash: APITokens.hash(token), by: caller.actor)
        let position = try await backend.commit(batch) { _ in .internalError() }
        return try WriteAnswer(status: .created, IssuedToken(token: token), logPosition: position).response
    }

    @Sendable func setAvailability(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let userId = try userId(context, caller)
        guard caller.isAdmin || caller.userId == userId else { throw APIError.forbidden("Only an admin may change others' availability.") }
        let body = try await StrictJSON.decode(Availability.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            _ = try existingUser(userId)
            let batch = Directory.setAvailability(userId: userId, available: body.value.available, by: caller.actor)
            let position = try await backend.commit(batch) { _ in .internalError() }
            return try WriteAnswer(status: .ok, UserJSON(try existingUser(userId)), logPosition: position)
        }
    }

    @Sendable func createTeam(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        let caller = try context.requireCaller().requireAdmin()
        let body = try await StrictJSON.decode(NewTeam.self, from: request, context: context)
        return try await idempotency.run(request, context: context, caller: caller, body: body.bytes) {
            try backend.requireUsers(body.value.memberIds, field: "memberIds")
            let teamId = Identifiers.make()
            let batch = try invalidAsAPIError {
                try Directory.createTeam(teamId: teamId, name: body.value.name, memberIds: body.value.memberIds, by: caller.actor)
            }
            let position = try await backend.commit(batch) { _ in .internalError() }
            let team = try backend.read { txn in try backend.views.directory.team(teamId, in: txn) }
            guard let team else { throw APIError.internalError() }
            return try WriteAnswer(status: .created, TeamJSON(team), logPosition: position)
        }
    }

    @Sendable func listTeams(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let teams = try backend.read { txn in try backend.views.directory.teams(in: txn) }
        return try JSONOutput.response(ListJSON(items: teams.map(TeamJSON.init)))
    }

    @Sendable func getTeam(_ request: Request, context: SwitchboardRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let id = try Parameters.id(context)
        guard let team = try backend.read({ txn in try backend.views.directory.team(id, in: txn) }) else {
            throw APIError.notFound("No such team.")
        }
        return try JSONOutput.response(TeamJSON(team))
    }

    /// The `{id}` of a users route; `me` (or the `users/me` routes, which have none) is the caller.
    private func userId(_ context: SwitchboardRequestContext, _ caller: Caller) throws -> String {
        switch context.parameters.get("id") {
        case nil, "me": caller.userId
        default: try Parameters.id(context)
        }
    }

    private func existingUser(_ id: String) throws -> UserView {
        guard let user = try backend.read({ txn in try backend.views.directory.user(id, in: txn) }) else {
            throw APIError.notFound("No such user.")
        }
        return user
    }
}

/// A decider's `Invalid` as API.md's 422.
func invalidAsAPIError<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as Directory.Invalid {
        throw APIError.unprocessable("Field '\(error.field)' \(error.reason).")
    }
}

extension Backend {
    /// `commit`, answering a version conflict on a stream with `conflict(stream)`.
    func commit(_ batch: AppendBatch, conflict: (StreamID) -> APIError) async throws -> UInt64 {
        do {
            return try await commit(batch)
        } catch let error where error.isWrongExpectedVersion {
            throw conflict(error.conflictingStream!)
        } catch {
            throw APIError.from(error)
        }
    }

    /// `commit`, answering nil when a stream `retryable` admits moved on meanwhile (the caller decides again on
    /// the new state); any other refusal is an API error, a version conflict a 409.
    func commitOrDecideAgain(
        _ batch: AppendBatch, retryable: (StreamID) -> Bool = { _ in true }
    ) async throws -> UInt64? {
        do {
            return try await commit(batch)
        } catch let error where error.conflictingStream.map(retryable) == true {
            return nil
        } catch {
            throw APIError.from(error)
        }
    }

    /// 422 unless every id names a team.
    func requireTeams(_ ids: [String], field: String = "teamIds") throws {
        try read { txn in
            for id in ids where try views.directory.team(id, in: txn) == nil {
                throw APIError.unprocessable("Field '\(field)' names an unknown team '\(id)'.", code: "unknown_team")
            }
        }
    }

    /// 422 unless every id names a user.
    func requireUsers(_ ids: [String], field: String) throws {
        try read { txn in
            for id in ids where try views.directory.user(id, in: txn) == nil {
                throw APIError.unprocessable("Field '\(field)' names an unknown user '\(id)'.", code: "unknown_user")
            }
        }
    }
}
