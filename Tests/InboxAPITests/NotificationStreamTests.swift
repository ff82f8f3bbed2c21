import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InboxAPI
import NIOCore
import NIOHTTP1
import Testing

/// The live notification stream over real HTTP.
@Suite struct NotificationStreamTests {
    @Test func anOpenConsoleHearsOfANewAssignmentAsItHappensAndTheServerStillStopsCleanly() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        let app = try await buildApplication(configuration: harness.configuration)
        try await app.test(.live) { client in
            let api = APIClient(client: client)
            let o = try await Organisation.create(api)
            let conversation = try await o.receive(api)
            let port = try #require(client.port)

            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/users/me/notifications/stream")
            request.headers.add(name: "Authorization", value: "Bearer \(o.anaToken)")
            let response = try await http.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")

            var received = ""
            var chunks = response.body.makeAsyncIterator()
            while !received.contains(": connected") {
                guard let chunk = try await chunks.next() else { break }
                received += String(buffer: chunk)
            }
            // Ben gives Ana the conversation; her open stream hears of it.
            _ = try await api.call(.put, "conversations/\(conversation)/assignee", token: o.benToken, json: ["userId": o.ana])
            while !received.contains("event: notification") {
                guard let chunk = try await chunks.next() else { break }
                received += String(buffer: chunk)
            }
            #expect(received.contains("event: notification"))
            #expect(received.contains(#""kind":"assigned""#))
            #expect(received.contains(conversation))
            try await http.shutdown()
        }
    }

    @Test func theStreamNeedsAToken() async throws {
        let harness = APIHarness()
        defer { harness.remove() }
        try await harness.run { api in
            let answer = try await api.call(.get, "users/me/notifications/stream", token: nil)
            #expect(answer.status == .unauthorized)
        }
    }
}
