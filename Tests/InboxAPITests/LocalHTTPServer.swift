import Hummingbird
import Logging
import ServiceLifecycle
import Testing

/// Serves `router` on a free local port while `body` runs (test peers: webhook receivers, a Graph API stand-in).
func serveLocally(_ router: Router<BasicRequestContext>, _ body: (Int) async throws -> Void) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
        logger: Logger(label: "test-peer"))
    let service = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test-peer")))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(port)
        } catch {
            await service.triggerGracefulShutdown()
            throw error
        }
        await service.triggerGracefulShutdown()
        try await group.waitForAll()
    }
}
