import Foundation
import TestSupport

/// Runs a program to its end without blocking a test task (waiting on a `Process` synchronously from one can
/// hang): its standard output goes to a scratch file, read once it exits.
enum ProcessRunner {
    static func run(_ executable: URL, _ arguments: [String]) async throws -> (status: Int32, output: Data) {
        let directory = scratchDirectory("process")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (status, try Data(contentsOf: output))
    }

    /// A Python peer script of this test target.
    static func python(_ script: String, _ arguments: [String]) async throws -> (status: Int32, output: Data) {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", SMTPSink.peer(script).path] + arguments)
    }
}
