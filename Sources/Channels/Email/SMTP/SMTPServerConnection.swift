import Logging
import NIOCore

/// Runs one accepted connection: feeds its input to an ``SMTPServerSession`` and performs the
/// session's actions, calling the ``MailReceiver`` for recipient checks and deliveries.
///
/// Input is not read while a check or delivery is awaited; NIO then stops reading from the
/// socket once its small buffer is full, so a pipelining client cannot make the server hold
/// more than a few reads of input.
struct SMTPServerConnection {
    let channel: NIOAsyncChannel<SMTPConnectionInput, ByteBuffer>
    let configuration: SMTPServer.Configuration
    let receiver: any MailReceiver
    let logger: Logger

    func run() async {
        let remoteAddress = channel.channel.remoteAddress.map { address in
            address.ipAddress.map { ip in address.port.map { "\(ip):\($0)" } ?? ip } ?? "\(address)"
        }
        var logger = self.logger
        logger[metadataKey: "smtp.remote"] = "\(remoteAddress ?? "unknown")"
        logger.debug("SMTP connection opened")
        var session = SMTPServerSession(configuration: configuration.sessionConfiguration, remoteAddress: remoteAddress)
        do {
            try await channel.executeThenClose { inbound, outbound in
                guard try await perform(session.start(), on: &session, outbound: outbound, logger: logger) else { return }
                var waitingSince = ContinuousClock.now
                for try await input in inbound {
                    let actions: [SMTPServerSession.Action]
                    switch input {
                    case .bytes(let bytes):
                        actions = session.receive(bytes.readableBytesView)
                    case .idleTick:
                        // Ticks may be stale (queued during a long delivery), so the clock decides.
                        guard ContinuousClock.now - waitingSince >= configuration.idleTimeout else { continue }
                        logger.debug("SMTP connection idle for too long")
                        actions = session.idleTimeoutElapsed()
                    case .shutdownRequested:
                        actions = session.shutdownRequested()
                    case .tlsHandlerAdded:
                        continue  // the server never starts TLS
                    }
                    guard try await perform(actions, on: &session, outbound: outbound, logger: logger) else { return }
                    waitingSince = .now
                }
            }
            logger.debug("SMTP connection closed")
        } catch {
            logger.debug("SMTP connection ended with an error", metadata: ["smtp.error": "\(String(reflecting: error))"])
        }
    }

    /// Performs actions in order, feeding check and delivery results back into the session.
    /// - Returns: false once the session asked to close.
    private func perform(
        _ actions: [SMTPServerSession.Action],
        on session: inout SMTPServerSession,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        logger: Logger
    ) async throws -> Bool {
        var queue = actions[...]
        var replies: [UInt8] = []
        // Replies are written in one batch, and always before waiting on anything, so a client
        // waiting for an answer is never stuck behind our own wait.
        func flush() async throws {
            guard !replies.isEmpty else { return }
            try await outbound.write(ByteBuffer(bytes: replies))
            replies.removeAll(keepingCapacity: true)
        }
        while let action = queue.popFirst() {
            switch action {
            case .reply(let reply):
                reply.write(into: &replies)
            case .checkRecipient(let address):
                try await flush()
                let accepted = await receiver.acceptsRecipient(address)
                if !accepted {
                    logger.debug("SMTP recipient rejected", metadata: ["smtp.recipient": "\(address)"])
                }
                queue.append(contentsOf: session.recipientChecked(address, accepted: accepted))
            case .deliver(let mail):
                try await flush()
                let outcome = await deliver(mail, logger: logger)
                queue.append(contentsOf: session.delivered(outcome))
            case .close:
                try await flush()
                return false
            }
        }
        try await flush()
        return true
    }

    private func deliver(_ mail: ReceivedMail, logger: Logger) async -> SMTPServerSession.DeliveryOutcome {
        let metadata: Logger.Metadata = [
            "smtp.helo": "\(mail.heloName ?? "")",
            "smtp.recipients.count": "\(mail.recipients.count)",
            "smtp.message.bytes": "\(mail.data.count)",
        ]
        do {
            try await receiver.receive(mail)
            logger.info("SMTP message accepted", metadata: metadata)
            return .success
        } catch let rejection as MailRejection {
            logger.info(
                "SMTP message rejected by receiver",
                metadata: metadata.merging(["smtp.permanent": "\(rejection.isPermanent)"]) { $1 }
            )
            return .failure(temporary: !rejection.isPermanent, message: rejection.text)
        } catch {
            // The error's text stays in the log; the client only learns that it should retry.
            logger.error(
                "SMTP message could not be stored",
                metadata: metadata.merging(["smtp.error": "\(String(reflecting: error))"]) { $1 }
            )
            return .failure(temporary: true, message: "")
        }
    }
}
