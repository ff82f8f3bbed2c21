import Hummingbird
import NIOCore

/// The context every Switchboard route sees.
public struct SwitchboardRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware`.
    public var caller: Caller?
    /// The peer: what unauthenticated endpoints (forms) limit by.
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// API.md: request bodies over 1 MiB answer 413.
    public var maxUploadSize: Int { 1 << 20 }
}
