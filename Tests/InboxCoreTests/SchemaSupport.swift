import Foundation
import TestSupport

/// What the schema tests share: where the schemas are, and how JSON is checked against them.
enum SchemaSupport {
    /// The repository's root directory.
    static let root = repositoryRoot

    /// `Schemas/events/`.
    static let eventsDirectory = root.appendingPathComponent("Schemas/events")

    /// The path under `Schemas/` of the payload schema of `tag`.
    static func eventSchemaPath(_ tag: String) -> String { "events/\(tag).schema.json" }

    /// The schema at `path` under `Schemas/`, as a JSON object.
    static func schema(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("Schemas/\(path)"))
        return try object(data)
    }

    /// `data` as a JSON object.
    static func object(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return object
    }
}

/// Runs Scripts/validate-json.py on `documents` against `Schemas/<schema>`; answers its exit status (0: all valid)
/// and what it printed: one line per error, `<dir>/<index>.json: <JSON path>: <message>`.
func validate(_ schema: String, _ documents: [Data]) throws -> (Int32, String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-schema-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let paths = try documents.enumerated().map { index, data in
        let url = directory.appendingPathComponent("\(index).json")
        try data.write(to: url)
        return url.path
    }
    let run = try runScript("validate-json.py", [SchemaSupport.root.appendingPathComponent("Schemas/\(schema)").path] + paths)
    return (run.status, run.errors)
}
