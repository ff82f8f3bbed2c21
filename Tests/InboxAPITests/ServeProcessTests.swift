import Foundation
import Testing
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `switchboard serve` process: starts on an empty directory, serves, and stops cleanly on SIGTERM.
@Suite struct ServeProcessTests {
    @Test func serveAnswersHealthAndStopsCleanlyOnSIGTERM() async throws {
        let data = scratchDirectory("serve")
        defer { try? FileManager.default.removeItem(at: data) }
        for start in 0..<2 {
            let process = Process()
            process.executableURL = try builtExecutable(named: "switchboard")
            process.arguments = ["serve", "--data", data.path, "--port", "0", "--smtp-port", "0"]
            var environment = ProcessInfo.processInfo.environment
            environment["SWITCHBOARD_ADMIN_TOKEN"] = "process-test-token-0123"
            process.environment = environment
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try process.run()

            let port = try readListeningPort(from: errors.fileHandleForReading)
            let (body, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            let health = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            #expect(health?["logPosition"] as? Int == 4, "start \(start): bootstrap appended once")

            process.terminate()  // SIGTERM
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
        }
    }

    /// Reads the server's log until it says where it listens.
    private func readListeningPort(from handle: FileHandle) throws -> Int {
        var seen = ""
        while true {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw ServeDidNotStart(output: seen) }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let match = seen[range]
                return Int(match.split(separator: ":").last!)!
            }
        }
    }

    struct ServeDidNotStart: Error, CustomStringConvertible {
        let output: String
        var description: String { "switchboard serve exited before listening:\n\(output)" }
    }
}
