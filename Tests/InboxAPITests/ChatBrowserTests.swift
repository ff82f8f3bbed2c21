import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@testable import InboxAPI

/// The chat widget in a real headless Chromium against the live server: the visitor writes through the demo page,
/// an agent answers through the API, the answer shows up in the page, and comes back after a reload.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ChatBrowserTests {
    static let chromium = "/usr/bin/chromium"
    static let question = "Hello from the browser"
    static let reply = "Hi, Ana here"

    @Test func aVisitorChatsInTheBrowserAndFindsTheReplyAgainAfterReloading() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.chromium),
            "chromium is not installed at \(Self.chromium): run Scripts/setup.sh")
        let harness = APIHarness()
        defer { harness.remove() }
        var configuration = harness.configuration
        configuration.host = "127.0.0.1"  // the address the driver's URL names
        let app = try await buildApplication(configuration: configuration)
        try await app.test(.live) { client in
            let api = APIClient(client: client)
            let port = try #require(client.port)
            let o = try await Organisation.create(api)
            // No bot, so Ana's reply is the first outbound message the visitor sees.
            let channel = try await api.call(
                .post, "inboxes/\(o.inbox)/channels", token: APIHarness.adminToken, json: ["type": "chat", "name": "Website chat"])
            try #require(channel.status == .created, "\(String(decoding: channel.body, as: UTF8.self))")
            let channelId = try #require(channel.string("id"))

            let driver = try BrowserDriver(arguments: [
                "--url", "http://127.0.0.1:\(port)/chat/demo?channelId=\(channelId)", "--send", Self.question,
                "--expect", Self.reply, "--timeout", "60", "--reload",
            ])
            // A failing expectation must not leave Chromium running until the driver's own timeout.
            defer { driver.stop() }

            // The visitor's message reaches the team; the driver is waiting in the page for the answer meanwhile.
            var conversationId: String?
            for _ in 0..<600 where conversationId == nil && driver.isRunning {
                let conversations = try await api.call(.get, "conversations?channel=chat", token: APIHarness.adminToken).items
                conversationId = conversations.first { ($0["preview"] as? String)?.contains(Self.question) == true }?["id"] as? String
                if conversationId == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            guard let conversationId else {
                let outcome = try await driver.outcome()
                Issue.record("the visitor's message never reached the API; the browser said: \(outcome.raw)")
                return
            }
            let answer = try await api.call(.post, "conversations/\(conversationId)/messages", token: o.anaToken, json: ["text": Self.reply])
            #expect(answer.status == .created, "\(String(decoding: answer.body, as: UTF8.self))")

            let outcome = try await driver.outcome()
            let result = try #require(outcome.result, "the driver printed no JSON (status \(outcome.status)): \(outcome.raw)")
            #expect(result.ok, "\(outcome.raw)")
            #expect(result.resumed == true, "\(outcome.raw)")
            #expect(result.messages.contains(.init(direction: "inbound", authorType: "contact", text: Self.question)), "\(outcome.raw)")
            #expect(result.messages.contains(.init(direction: "outbound", authorType: "user", text: Self.reply)), "\(outcome.raw)")
            #expect(outcome.status == 0)

            let stored = try await api.call(.get, "conversations/\(conversationId)", token: o.anaToken)["messages"] as? [[String: Any]]
            #expect(stored?.map { [$0["authorType"] as? String, $0["text"] as? String] } == [["contact", Self.question], ["user", Self.reply]])
        }
    }
}

/// `Peers/chat_browser.py` as a child process. Its exit is awaited through `terminationHandler`: waiting on the
/// process synchronously from a test task can hang.
final class BrowserDriver: Sendable {
    struct Shown: Decodable, Equatable, Sendable {
        var direction: String?
        var authorType: String?
        var text: String
    }

    struct Result: Decodable, Sendable {
        var ok: Bool
        var error: String?
        var resumed: Bool?
        var visitorToken: String?
        var messages: [Shown]
    }

    private let process = Process()
    private let directory = scratchDirectory("chat-browser")
    private let exited: AsyncStream<Int32>

    init(arguments: [String]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", SMTPSink.peer("chat_browser.py").path] + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.standardError
        // Set before `run`, so an exit that comes quickly is not missed; the stream keeps it until asked.
        exited = AsyncStream { [process] continuation in
            process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        }
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// Waits for the driver to exit; its status, its stdout, and that decoded when it is the JSON line.
    func outcome() async throws -> (status: Int32, raw: String, result: Result?) {
        var status: Int32 = -1
        for await code in exited { status = code }
        let raw = String(decoding: try Data(contentsOf: directory.appendingPathComponent("out")), as: UTF8.self)
        return (status, raw, try? JSONDecoder().decode(Result.self, from: Data(raw.utf8)))
    }

    /// Ends the driver if it still runs (it closes Chromium on SIGTERM); not waited for.
    func stop() {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }
}
