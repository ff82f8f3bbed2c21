import EmailChannel
import Foundation
import Logging
import NIOCore
import NIOPosix

/// A logger that discards everything, so test output stays readable; set SMTP_TEST_LOG to a
/// level ("trace", "debug", ...) to see the server's and relay's logs on standard error.
let smtpTestLogger: Logger = {
    let environment = ProcessInfo.processInfo.environment["SMTP_TEST_LOG"]
    guard let level = environment.flatMap(Logger.Level.init(rawValue:)) else {
        return Logger(label: "smtp-tests", factory: { _ in SwiftLogNoOpLogHandler() })
    }
    var logger = Logger(label: "smtp-tests", factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
}()

/// Runs an ``SMTPServer`` on a free port for the duration of `body`, then cancels it.
func withSMTPServer<Result: Sendable>(
    _ configuration: SMTPServer.Configuration = .init(host: "127.0.0.1", port: 0),
    receiver: any MailReceiver,
    _ body: @Sendable (Int) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let server = SMTPServer(configuration: configuration, receiver: receiver, logger: smtpTestLogger) { port in
        portContinuation.yield(port)
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portContinuation.finish() }  // a server that fails to bind must not leave the test waiting
            try await server.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await group.waitForAll()
            throw SMTPPeerError(description: "the SMTP server stopped before listening")
        }
        let result = try await body(port)
        group.cancelAll()
        try await group.waitForAll()
        return result
    }
}

/// A bare TCP client for checking exactly what the server writes.
enum SMTPRawClient {
    /// Connects to the local server.
    static func connect(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Reads until the text received so far ends with a final reply line ("ddd " or "ddd\r\n")
    /// starting with `code`, or the connection closes. Returns everything read.
    static func read(
        until code: String,
        from iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        into text: inout String
    ) async throws {
        while !endsWithFinalReply(text, code: code) {
            guard let buffer = try await iterator.next() else { return }
            text += String(buffer: buffer)
        }
    }

    /// Reads everything until the server closes the connection.
    static func readToEnd(
        from iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        into text: inout String
    ) async throws {
        while let buffer = try await iterator.next() {
            text += String(buffer: buffer)
        }
    }

    private static func endsWithFinalReply(_ text: String, code: String) -> Bool {
        guard text.hasSuffix("\r\n") else { return false }
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let last = lines.last else { return false }
        return last.hasPrefix(code + " ") || last == code
    }
}
