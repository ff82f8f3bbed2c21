import Foundation

/// The first admin of an empty log: decided once, guarded by the `bootstrap-admin` stream so that two nodes
/// starting together on one log register only one.
public enum AdminBootstrap {
    /// The stream whose existence says the bootstrap happened.
    public static let stream = StreamID(category: "bootstrap", id: "admin")

    /// Everything the bootstrap needs from outside: ids are inputs, and the token arrives already hashed.
    public struct Command: Sendable, Equatable {
        public var userId: String
        public var tokenId: String
        public var tokenHash: String
        public var name = "Admin"
        public var email = "admin@switchboard.localhost"

        public init(userId: String, tokenId: String, tokenHash: String) {
            self.userId = userId
            self.tokenId = tokenId
            self.tokenHash = tokenHash
        }
    }

    /// Why no bootstrap happens.
    public enum Rejection: Error, Sendable, Equatable {
        /// The log already has history: the admin exists or was never needed.
        case logNotEmpty
    }

    /// The append that registers the admin and its token, for a log at `head`.
    public static func decide(_ command: Command, head: UInt64) throws(Rejection) -> AppendBatch {
        guard head == 0 else { throw .logNotEmpty }
        let userStream = UserEvent.stream(command.userId)
        let events: [UserEvent] = [
            .registered(.init(userId: command.userId, name: command.name, email: command.email, role: .admin)),
            .tokenIssued(.init(userId: command.userId, tokenId: command.tokenId, tokenHash: command.tokenHash)),
        ]
        let correlation = EventIDs.make()
        var proposed = events.map {
            ProposedEvent(
                streamId: userStream, type: $0.tag.rawValue, actor: .system, correlationId: correlation, payload: $0.payload)
        }
        // The admin's email is claimed like any user's, so nobody registers it again.
        let emailStream = UserEvent.emailStream(command.email)
        proposed.append(
            UserEvent.emailClaimed(.init(userId: command.userId, email: EmailAddress.normalize(command.email)))
                .proposed(to: emailStream, by: .system, correlationId: correlation))
        proposed.append(
            ProposedEvent(
                streamId: stream, type: "bootstrap.admin_registered.v1", actor: .system, correlationId: correlation,
                payload: PayloadCoding.encode(["userId": command.userId])))
        return AppendBatch(proposed, expectations: [stream: .noStream, userStream: .noStream, emailStream: .noStream])
    }
}
