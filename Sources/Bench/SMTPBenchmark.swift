import AsyncHTTPClient
import EmailChannel
import Foundation
import InboxAPI
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// `switchboard bench smtp`: mail accepted through the SMTP listener from `senders` concurrent SMTP clients,
/// each message a session of its own (EHLO, MAIL, RCPT, DATA, QUIT) acknowledged only once durable.
public struct SMTPBenchmark: Sendable {
    public struct Options: Sendable {
        public var messages = 4_000
        public var senders = 16
        public var bodyBytes = 2_000
        public var directory: URL

        public init(directory: URL) {
            self.directory = directory
        }
    }

    public struct Report: Sendable {
        public var options: Options
        public var accepted: APIBenchmark.Latencies
        /// Events one new email conversation appends.
        public var eventsPerMessage: Int
        public var raw: Measurement
        public var rawBatchSize: Int

        public var markdown: String {
            let events = accepted.measurement.eventsPerSecond * Double(eventsPerMessage)
            return [
                "| measurement | result |",
                "|---|---:|",
                "| messages accepted through SMTP, \(options.senders) concurrent senders, ~\(options.bodyBytes) B bodies (250 once durable) | \(String(format: "%.0f", accepted.measurement.eventsPerSecond)) messages/s, p50 \(accepted.p50.millisecondsText), p99 \(accepted.p99.millisecondsText) per session |",
                "| raw LMDB durable appends, batches of \(rawBatchSize) (same run) | \(String(format: "%.0f", raw.eventsPerSecond)) events/s |",
                "| SMTP events (\(eventsPerMessage) per new conversation) / raw | \(String(format: "%.1f%%", events / max(1, raw.eventsPerSecond) * 100)) |",
            ].joined(separator: "\n")
        }
    }

    static let adminToken = AppConfiguration.benchAdminToken
    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws -> Report {
        try FileManager.default.createDirectory(at: options.directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: options.directory) }
        var configuration = AppConfiguration.bench(in: options.directory)
        configuration.smtpPort = 0
        let (httpPorts, httpContinuation) = AsyncStream.makeStream(of: Int.self)
        let (smtpPorts, smtpContinuation) = AsyncStream.makeStream(of: Int.self)
        configuration.onServerRunning = { httpContinuation.yield($0) }
        configuration.onSMTPListening = { smtpContinuation.yield($0) }
        let app = try await buildApplication(configuration: configuration, logger: logger)
        let service = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let accepted = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            var httpIterator = httpPorts.makeAsyncIterator()
            var smtpIterator = smtpPorts.makeAsyncIterator()
            guard let httpPort = await httpIterator.next(), let smtpPort = await smtpIterator.next() else {
                throw BenchFailure("the service did not start")
            }
            do {
                let api = BenchClient(client: client, base: "http://127.0.0.1:\(httpPort)/api/v1", token: Self.adminToken)
                let inbox = try await api.send(.POST, "/inboxes", body: #"{"name":"Bench"}"#, expect: 201)
                let inboxId = try Self.id(inbox)
                _ = try await api.send(
                    .POST, "/inboxes/\(inboxId)/channels", body: #"{"type":"email","address":"support@bench.example"}"#, expect: 201)
                let latencies = try await send(to: smtpPort)
                await service.triggerGracefulShutdown()
                try await group.waitForAll()
                return latencies
            } catch {
                await service.triggerGracefulShutdown()
                throw error
            }
        }
        try await client.shutdown()
        let batch = 3 * options.senders
        let record = [UInt8](repeating: UInt8(ascii: "x"), count: 460)
        let raw = try RawLMDBBenchmark(record: record, directory: options.directory).appends(count: max(batch * 50, options.messages * 3), batchSize: batch)
        return Report(options: options, accepted: accepted, eventsPerMessage: 3, raw: raw, rawBatchSize: batch)
    }

    /// `messages` mails from `senders` senders at once, each a new conversation.
    private func send(to port: Int) async throws -> APIBenchmark.Latencies {
        var relayConfiguration = SMTPRelay.Configuration(host: "127.0.0.1", port: port)
        relayConfiguration.security = .none
        relayConfiguration.heloName = "sender.bench.example"
        let relay = SMTPRelay(configuration: relayConfiguration, logger: logger)
        let perSender = max(1, options.messages / options.senders)
        // Lines under SMTP's 1000-octet limit, as mail clients wrap them.
        let paragraph = Array(
            repeating: "Hello, my order has not arrived yet and I would like to know where it is.", count: max(1, options.bodyBytes / 75)
        ).joined(separator: "\r\n")
        let start = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for sender in 0..<options.senders {
                group.addTask {
                    var samples: [Duration] = []
                    for index in 0..<perSender {
                        let message = """
                            From: Visitor \(sender)-\(index) <visitor\(sender)-\(index)@example.com>\r
                            To: support@bench.example\r
                            Subject: Order question \(index)\r
                            Message-ID: <bench.\(sender).\(index)@example.com>\r
                            Date: Tue, 24 Nov 2026 09:30:00 +0000\r
                            MIME-Version: 1.0\r
                            Content-Type: text/plain; charset=utf-8\r
                            \r
                            \(paragraph)\r

                            """
                        let began = ContinuousClock.now
                        do {
                            _ = try await relay.send(
                                from: "visitor\(sender)-\(index)@example.com", to: ["support@bench.example"], message: Array(message.utf8))
                        } catch {
                            throw BenchFailure("SMTP send failed: \(error)")
                        }
                        samples.append(ContinuousClock.now - began)
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return APIBenchmark.Latencies(samples, elapsed: ContinuousClock.now - start)
    }

    static func id(_ answer: ByteBuffer) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(answer.readableBytesView)) as? [String: Any]
        guard let id = object?["id"] as? String else { throw BenchFailure("no id in \(String(buffer: answer))") }
        return id
    }
}
