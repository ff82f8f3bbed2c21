import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import TestSupport

/// A real `switchboard serve` process for tests that need the executable itself (signals, several nodes on one
/// log). Its output goes to a file, so a chatty server never blocks on a full pipe; the port it bound is read
/// from that file.
final class ServeNode: Sendable {
    static let adminToken = "process-test-token-0123"

    let process: Process
    let data: URL
    let output: URL
    let port: Int

    /// Starts `switchboard serve` on `data` with `arguments` added, and returns once it listens.
    static func start(data: URL, arguments: [String] = []) async throws -> ServeNode {
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let output = data.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try builtExecutable(named: "switchboard")
        process.arguments = ["serve", "--data", data.path, "--port", "0", "--no-smtp"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHBOARD_ADMIN_TOKEN"] = adminToken
        process.environment = environment
        let handle = try FileHandle(forWritingTo: output)
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        do {
            let port = try await listeningPort(in: output, of: process)
            return ServeNode(process: process, data: data, output: output, port: port)
        } catch {
            if process.isRunning { process.terminate() }
            throw error
        }
    }

    private init(process: Process, data: URL, output: URL, port: Int) {
        self.process = process
        self.data = data
        self.output = output
        self.port = port
    }

    /// What the server has written so far.
    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for the exit; answers the exit status (nil when it did not exit normally).
    @discardableResult
    func stop() async -> Int32? {
        process.terminate()
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    private static func listeningPort(in output: URL, of process: Process) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let seen = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = seen.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                let port = seen[range].split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
            guard process.isRunning else { throw ServeDidNotStart(output: seen) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServeDidNotStart(output: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    struct ServeDidNotStart: Error, CustomStringConvertible {
        let output: String
        var description: String { "switchboard serve did not start listening:\n\(output)" }
    }
}

/// One answer of a node's API.
struct NodeAnswer: Sendable {
    let status: Int
    let headers: [String: String]
    let body: Data

    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var logPosition: UInt64? { headers["log-position"].flatMap { UInt64($0) } }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var text: String { String(decoding: body, as: UTF8.self) }
}

extension ServeNode {
    /// Calls the node's API (`/api/v1` + `path`, or `root` + `path`) as the bootstrap admin, or with `token`.
    func call(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, json: [String: Any]? = nil, token: String = ServeNode.adminToken,
        headers: [String: String] = [:], root: String = "/api/v1"
    ) async throws -> NodeAnswer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(root)\(path)")
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        var names: [String: String] = [:]
        for header in response.headers { names[header.name.lowercased()] = header.value }
        return NodeAnswer(status: Int(response.status.code), headers: names, body: Data(buffer: body))
    }
}
