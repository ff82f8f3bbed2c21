import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The inbound SMTP listener: accepts connections and runs an ``SMTPServerSession`` on each,
/// handing recipients and messages to a ``MailReceiver``.
///
/// Connections are child tasks of ``run()``, so none outlives it. On graceful shutdown the
/// listener closes at once, idle connections are told 421, and messages already in flight are
/// received, delivered and answered before their connection closes.
public struct SMTPServer: Service {
    /// Where to listen and which limits to enforce.
    public struct Configuration: Sendable {
        /// The address to bind to.
        public var host: String
        /// The port to bind to; 0 picks a free one (reported through `onListening`).
        public var port: Int
        /// The name announced in the greeting and EHLO reply.
        public var hostname: String
        /// The largest message accepted, in octets; advertised as SIZE, larger ones get 552.
        public var maxMessageBytes: Int
        /// The most recipients per message; further RCPTs get 452.
        public var maxRecipients: Int
        /// Octets incl. CRLF for commands; DATA lines may be up to 1000 too (RFC 5321), more is rejected.
        public var maxLineLength: Int
        /// 421 and close after this long without input.
        public var idleTimeout: Duration
        /// Connections beyond this many are answered 421 and closed.
        public var maxConnections: Int
        /// After this many failed commands in a row a connection is answered 421 and closed.
        public var maxConsecutiveErrors: Int

        /// Creates a configuration; every parameter has a production default.
        public init(
            host: String = "0.0.0.0",
            port: Int = 2525,
            hostname: String = "localhost",
            maxMessageBytes: Int = 25 * 1024 * 1024,
            maxRecipients: Int = 100,
            maxLineLength: Int = 1000,
            idleTimeout: Duration = .seconds(300),
            maxConnections: Int = 1000,
            maxConsecutiveErrors: Int = 10
        ) {
            self.host = host
            self.port = port
            self.hostname = hostname
            self.maxMessageBytes = maxMessageBytes
            self.maxRecipients = maxRecipients
            self.maxLineLength = maxLineLength
            self.idleTimeout = idleTimeout
            self.maxConnections = maxConnections
            self.maxConsecutiveErrors = maxConsecutiveErrors
        }

        /// The part of the configuration the protocol state machine needs.
        var sessionConfiguration: SMTPServerSession.Configuration {
            SMTPServerSession.Configuration(
                hostname: hostname,
                maxMessageBytes: maxMessageBytes,
                maxRecipients: maxRecipients,
                maxLineLength: maxLineLength,
                maxConsecutiveErrors: maxConsecutiveErrors
            )
        }
    }

    private let configuration: Configuration
    private let receiver: any MailReceiver
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void
    private let eventLoopGroup: any EventLoopGroup

    /// Creates a server; nothing happens until ``run()``.
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public init(
        configuration: Configuration,
        receiver: any MailReceiver,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.receiver = receiver
        self.logger = logger
        self.onListening = onListening
        self.eventLoopGroup = MultiThreadedEventLoopGroup.singleton
    }

    /// Binds, serves until cancelled or until graceful shutdown (stop accepting, let in-flight
    /// deliveries finish), then closes.
    public func run() async throws {
        let configuration = self.configuration
        let registry = SMTPConnectionRegistry(maxConnections: configuration.maxConnections)
        let listener = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let timers = IdleStateHandler(
                        readTimeout: configuration.idleTimeout.idleTick,
                        writeTimeout: configuration.idleTimeout.timeAmount
                    )
                    try channel.pipeline.syncOperations.addHandler(timers)
                    try channel.pipeline.syncOperations.addHandler(SMTPChannelEventsHandler())
                    return try NIOAsyncChannel<SMTPConnectionInput, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let port = listener.channel.localAddress?.port ?? configuration.port
        logger.info("SMTP server listening", metadata: ["smtp.host": "\(configuration.host)", "smtp.port": "\(port)"])
        await onListening(port)

        do {
            try await withGracefulShutdownHandler {
                try await listener.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in connections {
                            guard registry.register(connection.channel) else {
                                group.addTask { await turnAway(connection) }
                                continue
                            }
                            group.addTask {
                                defer { registry.deregister(connection.channel) }
                                let handler = SMTPServerConnection(
                                    channel: connection,
                                    configuration: configuration,
                                    receiver: receiver,
                                    logger: logger
                                )
                                await handler.run()
                            }
                        }
                    }
                }
            } onGracefulShutdown: {
                // Closing the listener ends the accept loop; the task group then waits for the connections.
                listener.channel.close(promise: nil)
                registry.requestShutdown()
            }
        } catch is CancellationError {
            // Cancellation is how a plain task group stops the server: a normal end, not a failure.
        }
        logger.info("SMTP server stopped", metadata: ["smtp.port": "\(port)"])
    }

    private func turnAway(_ connection: NIOAsyncChannel<SMTPConnectionInput, ByteBuffer>) async {
        let remote = connection.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        logger.warning("SMTP connection refused: too many connections", metadata: ["smtp.remote": "\(remote)"])
        let reply = SMTPReply(code: 421, "4.7.0 \(configuration.hostname) Too many connections, try again later")
        try? await connection.executeThenClose { _, outbound in
            try await outbound.write(ByteBuffer(bytes: reply.wireBytes))
        }
    }
}
