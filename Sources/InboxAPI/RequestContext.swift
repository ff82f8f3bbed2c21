import Hummingbird

/// The context every Switchboard route sees.
public struct SwitchboardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware`.
    public var caller: Caller?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// API.md: request bodies over 1 MiB answer 413.
    public var maxUploadSize: Int { 1 << 20 }
}
