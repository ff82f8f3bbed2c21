import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A bearer-token JSON client for the benchmarks.
struct BenchClient: Sendable {
    let client: HTTPClient
    let base: String
    let token: String

    /// Sends a request and fails unless the answer has status `expect`.
    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, expect: UInt, timeout: TimeAmount = .seconds(60)
    ) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: timeout)
        let answer = try await response.body.collect(upTo: 8 << 20)
        guard response.status.code == expect else {
            throw BenchFailure("\(method) \(path) answered \(response.status.code): \(String(buffer: answer))")
        }
        return answer
    }
}
