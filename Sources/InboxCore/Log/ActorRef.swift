/// Who caused an event.
public struct ActorRef: Hashable, Sendable, Codable {
    /// The kinds of actor the log knows. Stored as a small number in the binary header: never renumber.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case user, contact, bot, system, integration

        /// The stable number stored in record headers.
        public var code: UInt8 {
            switch self {
            case .user: 1
            case .contact: 2
            case .bot: 3
            case .system: 4
            case .integration: 5
            }
        }

        public init?(code: UInt8) {
            guard let kind = Kind.allCases.first(where: { $0.code == code }) else { return nil }
            self = kind
        }
    }

    public var kind: Kind
    public var id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }

    /// The service itself (bootstrap, automatic actions).
    public static let system = ActorRef(kind: .system, id: "switchboard")
}
