import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends messages through an SMTP relay (a smarthost), one connection per message.
///
/// The protocol is ``SMTPClientSession``; this type only moves its bytes over NIO, performs
/// STARTTLS and enforces timeouts: the connect timeout, and ``Configuration/timeout`` both for
/// every reply and for any write that makes no progress.
public struct SMTPRelay: Sendable {
    /// Where the relay is and how to talk to it.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// Whether and how to use STARTTLS.
        public enum Security: String, Sendable {
            /// Plain text only (test setups).
            case none
            /// STARTTLS is required; a relay that does not offer it fails the delivery.
            case startTLS
            /// STARTTLS when the relay offers it, plain text otherwise.
            case startTLSIfAvailable
        }

        /// The relay's host name or IP address.
        public var host: String
        /// The relay's port (25, 587, ...).
        public var port: Int
        /// The AUTH user name; AUTH is used when both this and ``password`` are set.
        public var username: String?
        /// The AUTH password. Never logged and never part of an error.
        public var password: String?
        /// Whether and how to use STARTTLS.
        public var security: Security = .startTLSIfAvailable
        /// The name given in EHLO.
        public var heloName = "localhost"
        /// The connect timeout, and the longest wait for any reply or for a stalled write.
        public var timeout: Duration = .seconds(60)
        /// Whether to verify the relay's certificate and host name; tests turn it off for self-signed certificates.
        public var tlsCertificateVerification: Bool = true

        /// Creates a configuration for the relay at `host:port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Describes the configuration with the password redacted.
        public var description: String {
            let redactedPassword = password == nil ? "nil" : "<redacted>"
            return "SMTPRelay.Configuration(host: \(host), port: \(port), username: \(username ?? "nil"), "
                + "password: \(redactedPassword), security: \(security), heloName: \(heloName), "
                + "timeout: \(timeout), tlsCertificateVerification: \(tlsCertificateVerification))"
        }

        /// Same as ``description``, so `String(reflecting:)` cannot leak the password either.
        public var debugDescription: String { description }

        /// Redacts the password for `dump` and debuggers too.
        public var customMirror: Mirror {
            Mirror(
                self,
                children: [
                    "host": host, "port": port, "username": username as Any, "password": "<redacted>",
                    "security": security, "heloName": heloName, "timeout": timeout,
                    "tlsCertificateVerification": tlsCertificateVerification,
                ]
            )
        }
    }

    private let configuration: Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    /// Creates a relay client; no connection is made until ``send(from:to:message:)``.
    public init(
        configuration: Configuration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "smtp.relay.host"] = "\(configuration.host)"
        logger[metadataKey: "smtp.relay.port"] = "\(configuration.port)"
        self.logger = logger
    }

    /// Sends one message; throws SMTPDeliveryError.
    /// - Parameters:
    ///   - sender: the envelope sender; an empty string sends the null sender `<>`.
    ///   - recipients: the envelope recipients; refused ones are listed in the receipt as long as one is accepted.
    ///   - message: the message with headers; line endings are normalised to CRLF and lines starting with "." are dot-stuffed.
    public func send(
        from sender: String,
        to recipients: [String],
        message: [UInt8]
    ) async throws(SMTPDeliveryError) -> SMTPDeliveryReceipt {
        let sessionConfiguration = SMTPClientSession.Configuration(
            heloName: configuration.heloName,
            security: configuration.security,
            username: configuration.username,
            password: configuration.password
        )
        let session = SMTPClientSession(
            configuration: sessionConfiguration,
            sender: sender,
            recipients: recipients,
            message: message
        )
        let result: Result<SMTPDeliveryReceipt, SMTPDeliveryError>
        do {
            let channel = try await connect()
            logger.debug("SMTP relay connected")
            let connection = SMTPRelayConnection(
                channel: channel,
                session: session,
                configuration: configuration,
                logger: logger
            )
            result = await connection.run()
        } catch {
            result = .failure(error)
        }
        switch result {
        case .success(let receipt):
            logger.info(
                "SMTP relay accepted message",
                metadata: [
                    "smtp.recipients.accepted": "\(receipt.acceptedRecipients.count)",
                    "smtp.recipients.rejected": "\(receipt.rejectedRecipients.count)",
                ]
            )
            return receipt
        case .failure(let error):
            logger.warning(
                "SMTP relay delivery failed",
                metadata: ["smtp.error": "\(error.description)", "smtp.permanent": "\(error.isPermanent)"]
            )
            throw error
        }
    }

    private func connect() async throws(SMTPDeliveryError) -> NIOAsyncChannel<SMTPConnectionInput, ByteBuffer> {
        let timeout = configuration.timeout
        do {
            return try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(timeout.timeAmount)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let timers = IdleStateHandler(readTimeout: timeout.idleTick, writeTimeout: timeout.timeAmount)
                        try channel.pipeline.syncOperations.addHandler(timers)
                        try channel.pipeline.syncOperations.addHandler(SMTPChannelEventsHandler())
                        return try NIOAsyncChannel<SMTPConnectionInput, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw .connectionFailed("\(configuration.host):\(configuration.port): \(error)")
        }
    }
}
