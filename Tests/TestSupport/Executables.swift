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
