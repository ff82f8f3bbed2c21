import Logging
import NIOCore
import NIOSSL

/// Drives one ``SMTPClientSession`` over a connected channel: writes what it asks, feeds it
/// replies and timeouts, and adds TLS to the front of the pipeline when it asks for STARTTLS.
struct SMTPRelayConnection {
    let channel: NIOAsyncChannel<SMTPConnectionInput, ByteBuffer>
    /// The dialogue's starting state; `run()` works on its own copy.
    let session: SMTPClientSession
    let configuration: SMTPRelay.Configuration
    let logger: Logger

    /// Large messages are written in pieces so each completed piece proves progress to the
    /// stalled-write timeout.
    private static let writeChunkSize = 64 * 1024

    func run() async -> Result<SMTPDeliveryReceipt, SMTPDeliveryError> {
        var session = self.session
        let outcome: Result<SMTPDeliveryReceipt, SMTPDeliveryError>
        do {
            outcome = try await channel.executeThenClose { inbound, outbound in
                var inputs = inbound.makeAsyncIterator()
                var waitingSince = ContinuousClock.now
                var awaitingTLSMarker = false
                while true {
                    let next: SMTPConnectionInput?
                    do {
                        next = try await inputs.next()
                    } catch {
                        return transportFailure(error, session: &session)
                    }
                    guard let input = next else {
                        return Self.outcome(of: session.connectionClosed())
                            ?? .failure(.connectionClosed(during: "after the dialogue ended"))
                    }
                    let actions: [SMTPClientSession.Action]
                    switch input {
                    case .bytes where awaitingTLSMarker:
                        // Read before TLS was in place but after the 220 to STARTTLS: a man in
                        // the middle injecting replies that would be taken as coming through TLS.
                        return .failure(.protocolViolation("data received after the STARTTLS reply"))
                    case .tlsHandlerAdded:
                        awaitingTLSMarker = false
                        continue
                    case .bytes(let bytes):
                        logger.trace("SMTP relay bytes received", metadata: ["smtp.bytes": "\(bytes.readableBytes)"])
                        actions = session.receive(bytes.readableBytesView)
                    case .idleTick:
                        guard ContinuousClock.now - waitingSince >= configuration.timeout else { continue }
                        actions = session.timedOut()
                    case .shutdownRequested:
                        continue
                    }
                    do {
                        let outcome = try await perform(
                            actions,
                            session: &session,
                            outbound: outbound,
                            startedTLS: &awaitingTLSMarker
                        )
                        if let outcome {
                            return outcome
                        }
                    } catch {
                        // A failed write only says the channel closed; the inbound side knows why
                        // (a TLS handshake failure, for example).
                        channel.channel.close(promise: nil)
                        let reason = await Self.closingError(of: &inputs) ?? error
                        return transportFailure(reason, session: &session)
                    }
                    waitingSince = .now
                }
            }
        } catch {
            // Only closing the channel is left to fail here; the dialogue's own errors are handled above.
            outcome = transportFailure(error, session: &session)
        }
        return outcome
    }

    /// Performs actions in order; sets `startedTLS` when TLS was put on the connection.
    /// - Returns: the final outcome once the session reached one.
    private func perform(
        _ actions: [SMTPClientSession.Action],
        session: inout SMTPClientSession,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        startedTLS: inout Bool
    ) async throws -> Result<SMTPDeliveryReceipt, SMTPDeliveryError>? {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case .send(let bytes):
                logger.trace("SMTP relay sending", metadata: ["smtp.bytes": "\(bytes.count)", "smtp.awaiting": "\(session.awaitedCommand)"])
                try await write(bytes, to: outbound)
            case .startTLS:
                do {
                    try await addTLS()
                } catch {
                    return .failure(.tlsFailed("\(error)"))
                }
                logger.debug("SMTP relay TLS started")
                startedTLS = true
                queue.append(contentsOf: session.tlsEstablished())
            case .succeed(let receipt):
                return .success(receipt)
            case .fail(let error):
                // Anything written before (QUIT) is flushed; closing follows in executeThenClose.
                return .failure(error)
            }
        }
        return nil
    }

    private func write(_ bytes: [UInt8], to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        if bytes.count <= Self.writeChunkSize {
            try await outbound.write(ByteBuffer(bytes: bytes))
            return
        }
        var chunks: [ByteBuffer] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + Self.writeChunkSize, bytes.count)
            chunks.append(ByteBuffer(bytes: bytes[start..<end]))
            start = end
        }
        try await outbound.write(contentsOf: chunks)
    }

    /// Puts a TLS client handler in front of everything, so later bytes in both directions are encrypted.
    private func addTLS() async throws {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        if !configuration.tlsCertificateVerification {
            tlsConfiguration.certificateVerification = .none
        }
        let context = try NIOSSLContext(configuration: tlsConfiguration)
        // SNI must not carry an IP address; verification then falls back to the address itself.
        let isIPAddress = (try? SocketAddress(ipAddress: configuration.host, port: 0)) != nil
        let serverHostname = isIPAddress ? nil : configuration.host
        let channel = self.channel.channel
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            // In the same event-loop turn, so the marker sits exactly between plain and TLS input.
            try SMTPChannelEventsHandler.emit(.tlsHandlerAdded, in: channel.pipeline.syncOperations)
        }.get()
    }

    /// Turns a channel error into the delivery outcome: TLS errors are reported as such, and a
    /// connection that drops after the message was accepted is still a success.
    private func transportFailure(
        _ error: any Error,
        session: inout SMTPClientSession
    ) -> Result<SMTPDeliveryReceipt, SMTPDeliveryError> {
        logger.debug("SMTP relay connection failed", metadata: ["smtp.error": "\(String(reflecting: error))"])
        let closed = Self.outcome(of: session.connectionClosed())
        if case .success(let receipt)? = closed { return .success(receipt) }
        if error is NIOSSLError || error is BoringSSLError {
            return .failure(.tlsFailed("\(error)"))
        }
        return closed ?? .failure(.connectionClosed(during: "after the dialogue ended"))
    }

    /// Reads a closed channel's remaining input to find the error it was closed with, if any.
    private static func closingError(
        of inputs: inout NIOAsyncChannelInboundStream<SMTPConnectionInput>.AsyncIterator
    ) async -> (any Error)? {
        do {
            while try await inputs.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    private static func outcome(of actions: [SMTPClientSession.Action]) -> Result<SMTPDeliveryReceipt, SMTPDeliveryError>? {
        for action in actions {
            switch action {
            case .succeed(let receipt): return .success(receipt)
            case .fail(let error): return .failure(error)
            case .send, .startTLS: continue
            }
        }
        return nil
    }
}
