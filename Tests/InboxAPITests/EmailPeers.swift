import Foundation
import Testing
import TestSupport

/// A real SMTP server (Python's aiosmtpd) that keeps what it is sent: the relay email replies leave through.
final class SMTPSink: Sendable {
    let directory: URL
    let port: Int
    private let process: Process

    /// Starts the sink; `refuseFirst` messages get 451, and with `reject` every one gets 550.
    init(refuseFirst: Int = 0, reject: Bool = false) async throws {
        directory = scratchDirectory("smtp-sink")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.peer("smtp_sink.py").path, directory.path, "--refuse-first", String(refuseFirst)]
            + (reject ? ["--reject"] : [])
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        let portFile = directory.appendingPathComponent("port")
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: portFile.path) && process.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        guard let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) else {
            process.terminate()
            throw PeerFailed(description: "the SMTP sink did not start (is aiosmtpd installed? run Scripts/setup.sh)")
        }
        self.port = port
    }

    /// The messages stored so far, oldest first.
    func messages() throws -> [ReceivedByPeer] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).compactMap { name -> Int? in
            name.hasSuffix(".json") ? Int(name.dropLast(5)) : nil
        }.sorted()
        return try files.map { number in
            try JSONDecoder().decode(ReceivedByPeer.self, from: Data(contentsOf: directory.appendingPathComponent("\(number).json")))
        }
    }

    /// Waits until `count` messages are stored (or gives up after a while, answering what there is).
    func waitForMessages(_ count: Int) async throws -> [ReceivedByPeer] {
        for _ in 0..<1_500 {
            let stored = try messages()
            if stored.count >= count { return stored }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try messages()
    }

    func stop() {
        // Not waited for: it exits on SIGTERM (or on its own alarm), and waiting from a test task can hang.
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    static func peer(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers").appendingPathComponent(name)
    }
}

/// A message as the sink stored it, with its headers and plain text as Python's email package reads them.
struct ReceivedByPeer: Decodable, Sendable {
    var mailFrom: String
    var rcptTos: [String]
    var data: String
    var headers: [String: String]
    var text: String?

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

struct PeerFailed: Error, CustomStringConvertible {
    var description: String
}

/// Python's smtplib as the customer's mail server.
enum SMTPClientPeer {
    struct Outcome: Decodable {
        var refused: [String: [String]]?
        var code: Int?
        var error: String?
    }

    static func send(port: Int, from: String, to: [String], message: String) async throws -> Outcome {
        let directory = scratchDirectory("smtp-send")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("message.eml")
        try Data(message.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8).write(to: file)
        let (status, data) = try await ProcessRunner.python("send_mail.py", [String(port), from, to.joined(separator: ","), file.path])
        guard status == 0, let outcome = try? JSONDecoder().decode(Outcome.self, from: data) else {
            throw PeerFailed(description: "send_mail.py failed: \(String(decoding: data, as: UTF8.self))")
        }
        return outcome
    }
}
