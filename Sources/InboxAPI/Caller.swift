import Foundation
import HTTPTypes
import Hummingbird
import InboxCore
import LMDB
import Projections

/// Who is calling, resolved from the bearer token.
public struct Caller: Sendable, Equatable {
    public var userId: String
    public var role: Role
    /// The inboxes an agent works in (directly or through a team); nil for admins, who see every inbox.
    public var inboxIds: Set<String>?
    /// The SHA-256 of the bearer token used: rate limits are per token.
    var tokenHash = ""

    public var isAdmin: Bool { role == .admin }
    public var actor: ActorRef { ActorRef(kind: .user, id: userId) }

    /// Whether the caller may see and act on inbox `inboxId`.
    public func mayAccess(inboxId: String) -> Bool {
        inboxIds.map { $0.contains(inboxId) } ?? true
    }

    /// Admin-only endpoints answer 403 to agents.
    public func requireAdmin() throws -> Self {
        guard isAdmin else { throw APIError.forbidden("Only an admin may do this.") }
        return self
    }
}

/// Resolves `Authorization: Bearer <token>` for every route behind it; 401 when missing or unknown.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SwitchboardRequestContext
    let views: ReadModels

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw APIError.unauthorized()
        }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let caller = try resolve(token: token) else { throw APIError.unauthorized() }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }

    private func resolve(token: String) throws -> Caller? {
        let hash = APITokens.hash(token)
        return try views.read { txn -> Caller? in
            guard let userId = try views.directory.userId(tokenHash: hash, in: txn),
                let user = try views.directory.user(userId, in: txn)
            else { return nil }
            let inboxIds = user.role == .admin ? nil : try views.directory.inboxIds(memberId: userId, in: txn)
            return Caller(userId: userId, role: user.role, inboxIds: inboxIds, tokenHash: hash)
        }
    }
}

extension SwitchboardRequestContext {
    /// The authenticated caller; routes behind `AuthMiddleware` always have one.
    func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthorized() }
        return caller
    }
}
