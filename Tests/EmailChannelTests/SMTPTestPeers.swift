import EmailChannel
import Foundation
import Testing

/// Errors from the test helpers that run external programs.
struct SMTPPeerError: Error, CustomStringConvertible {
    var description: String
}

/// A scratch directory removed when the test is done with it.
struct SMTPTestDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Finds and runs the helper programs the end-to-end tests need: python3 with the scripts in
/// `Peers/`, and openssl.
enum SMTPPeers {
    /// The folder holding the Python scripts, next to this file.
    static let scriptsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers")

    /// The first executable called `name` on PATH.
    static func executable(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw SMTPPeerError(description: "\(name) was not found on PATH")
    }

    /// Fails with a clear message when aiosmtpd is missing (the project's setup script installs it).
    static func requireAIOSMTPD() async throws {
        let result = try await run(try executable("python3"), ["-c", "import aiosmtpd"])
        guard result.status == 0 else {
            throw SMTPPeerError(description: "the Python package aiosmtpd is not importable (install it with `python3 -m pip install aiosmtpd`): \(result.standardError)")
        }
    }

    /// A self-signed certificate for "localhost" and its key, as PEM files in `directory`.
    static func makeSelfSignedCertificate(in directory: borrowing SMTPTestDirectory) async throws -> (certificate: String, key: String) {
        let certificate = directory.path("cert.pem")
        let key = directory.path("key.pem")
        let result = try await run(
            try executable("openssl"),
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            ]
        )
        guard result.status == 0 else {
            throw SMTPPeerError(description: "openssl failed: \(result.standardError)")
        }
        return (certificate, key)
    }

    /// Runs a program to completion, collecting its output.
    static func run(_ executable: URL, _ arguments: [String]) async throws -> (status: Int32, standardOutput: String, standardError: String) {
        let directory = try SMTPTestDirectory()
        let outputPath = directory.path("stdout")
        let errorPath = directory.path("stderr")
        let process = try makeProcess(executable, arguments, standardOutput: outputPath, standardError: errorPath)
        let status = try await runToExit(process)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return (status, output, error)
    }

    /// A process whose output goes to files (pipes could fill up and block it).
    static func makeProcess(_ executable: URL, _ arguments: [String], standardOutput: String, standardError: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: standardOutput, contents: nil)
        _ = FileManager.default.createFile(atPath: standardError, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: standardOutput))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: standardError))
        return process
    }

    /// Starts `process` and waits for it to exit without blocking a thread.
    static func runToExit(_ process: Process) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }
}

/// The aiosmtpd-based sink from `Peers/smtp_sink.py`, running for the duration of `body`.
struct SMTPSinkServer {
    /// One message as the sink recorded it.
    struct Message: Decodable {
        var mail_from: String
        var mail_options: [String]
        var rcpt_tos: [String]
        var data_b64: String
        var tls: Bool
        var auth_login: String?
        var helo: String?

        var data: [UInt8] { Array(Data(base64Encoded: data_b64) ?? Data()) }
    }

    let port: Int
    let messagesPath: String

    /// Every message received so far, in order.
    func messages() -> [Message] {
        guard let text = try? String(contentsOfFile: messagesPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            do {
                return try JSONDecoder().decode(Message.self, from: Data(line.utf8))
            } catch {
                Issue.record("undecodable line from smtp_sink.py: \(line)")
                return nil
            }
        }
    }

    /// Starts the sink with extra command-line options, runs `body`, then stops the sink.
    static func with<Result>(
        options: [String] = [],
        _ body: (SMTPSinkServer) async throws -> Result
    ) async throws -> Result {
        try await SMTPPeers.requireAIOSMTPD()
        let directory = try SMTPTestDirectory()
        let readyPath = directory.path("ready.json")
        let messagesPath = directory.path("messages.jsonl")
        let script = SMTPPeers.scriptsDirectory.appendingPathComponent("smtp_sink.py").path
        let process = try SMTPPeers.makeProcess(
            try SMTPPeers.executable("python3"),
            [script, "--ready-file", readyPath, "--messages-file", messagesPath, "--lifetime", "120"] + options,
            standardOutput: directory.path("stdout"),
            standardError: directory.path("stderr")
        )
        // Exit is observed through the termination handler: waitUntilExit() can hang when
        // called from a Swift concurrency thread.
        let (exits, exitContinuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exitContinuation.yield(finished.terminationStatus)
            exitContinuation.finish()
        }
        try process.run()
        func stop() async {
            process.terminate()
            for await _ in exits {}
        }
        // Bounded wait for the ready file: at most 30 s, then a clear failure.
        var port: Int?
        for _ in 0..<600 {
            if let data = FileManager.default.contents(atPath: readyPath),
                let ready = try? JSONDecoder().decode([String: Int].self, from: data)
            {
                port = ready["port"]
                break
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let port else {
            await stop()
            let errors = (try? String(contentsOfFile: directory.path("stderr"), encoding: .utf8)) ?? ""
            throw SMTPPeerError(description: "smtp_sink.py did not start: \(errors)")
        }
        do {
            let result = try await body(SMTPSinkServer(port: port, messagesPath: messagesPath))
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}

/// A ``MailReceiver`` that keeps everything in memory, for tests.
actor SMTPTestMailReceiver: MailReceiver {
    private(set) var received: [ReceivedMail] = []
    private(set) var checked: [String] = []
    private let acceptedDomain: String

    init(acceptedDomain: String = "inbox.test") {
        self.acceptedDomain = acceptedDomain
    }

    func acceptsRecipient(_ address: String) async -> Bool {
        checked.append(address)
        return address.lowercased().hasSuffix("@" + acceptedDomain)
    }

    func receive(_ mail: ReceivedMail) async throws {
        if mail.recipients.contains(where: { $0.hasPrefix("fail-temporary") }) {
            throw MailRejection.temporary("Storage is busy")
        }
        if mail.recipients.contains(where: { $0.hasPrefix("fail-permanent") }) {
            throw MailRejection.permanent("Not wanted here")
        }
        received.append(mail)
    }
}
