import Foundation

/// Finds an executable of this package built beside the test bundle (`swift test` builds them all).
public func builtExecutable(named name: String) throws -> URL {
    let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [
        buildDirectory.appendingPathComponent(name),
        buildDirectory.deletingLastPathComponent().appendingPathComponent(name),
    ]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw ExecutableMissing(name: name, searched: candidates.map(\.path))
    }
    return found
}

/// The executable was not built.
public struct ExecutableMissing: Error, CustomStringConvertible {
    public let name: String
    public let searched: [String]
    public var description: String { "\(name) is not built; looked in \(searched)" }
}

/// A scratch directory under the system's temporary directory, unique to one test.
public func scratchDirectory(_ label: String) -> URL {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("switchboard-tests")
        .appendingPathComponent("\(label)-\(UUID().uuidString)")
}

/// The repository's root directory.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs `python3 Scripts/<script> <arguments>` and answers its exit status and what it wrote. Output goes to
/// files, not pipes, so a chatty script never blocks on a full pipe.
public func runScript(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let directory = scratchDirectory("script")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outputURL = directory.appendingPathComponent("stdout")
    let errorsURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", repositoryRoot.appendingPathComponent("Scripts/\(script)").path] + arguments
    process.standardOutput = try FileHandle(forWritingTo: outputURL)
    process.standardError = try FileHandle(forWritingTo: errorsURL)
    try process.run()
    process.waitUntilExit()
    return (
        process.terminationStatus, String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
        String(decoding: try Data(contentsOf: errorsURL), as: UTF8.self)
    )
}
