import NIOCore
import Synchronization

/// The server's live connections: enforces the connection limit and tells every connection
/// when a graceful shutdown starts, including ones accepted just after it started.
final class SMTPConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var isShuttingDown = false
    }

    private let state = Mutex(State())
    private let maxConnections: Int

    init(maxConnections: Int) {
        self.maxConnections = maxConnections
    }

    /// Adds a connection unless the limit is reached.
    /// - Returns: false when the connection must be turned away.
    func register(_ channel: any Channel) -> Bool {
        let (admitted, shuttingDown) = state.withLock { state -> (Bool, Bool) in
            guard state.channels.count < maxConnections else { return (false, state.isShuttingDown) }
            state.channels[ObjectIdentifier(channel)] = channel
            return (true, state.isShuttingDown)
        }
        if admitted && shuttingDown {
            channel.pipeline.fireUserInboundEventTriggered(SMTPShutdownRequestedEvent())
        }
        return admitted
    }

    /// Removes a finished connection.
    func deregister(_ channel: any Channel) {
        _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Asks every current and future connection to finish and close.
    func requestShutdown() {
        let channels = state.withLock { state -> [any Channel] in
            state.isShuttingDown = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(SMTPShutdownRequestedEvent())
        }
    }
}
