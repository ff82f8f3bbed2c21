import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InboxAPI
import InboxCore
import NIOCore
import Synchronization
import Testing
import TestSupport

@Suite struct ServiceSkeletonTests {
    let data = scratchDirectory("api")

    func configuration(token: String? = "admin-token-0123456789") -> AppConfiguration {
        var configuration = AppConfiguration()
        configuration.dataDirectory = data.path
        configuration.adminToken = token
        configuration.announceGeneratedAdminToken = { _ in }
        return configuration
    }

    func storedEvents() async throws -> [RecordedEvent] {
        let log = try LMDBEventLog(path: configuration().logDirectory)
        let events = try await log.read(from: 1, maxCount: .max)
        await log.close()
        return events
    }

    @Test func healthAnswersOkWithTheLogPositionWithoutAToken() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        let app = try await buildApplication(configuration: configuration())
        try await app.test(.router) { client in
            for path in ["/healthz", "/api/v1/healthz"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                    #expect(body?["status"] as? String == "ok")
                    #expect(body?["logPosition"] as? Int == 4)
                }
            }
        }
    }

    @Test func unknownRoutesAnswerTheDocumentedErrorBody() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        let app = try await buildApplication(configuration: configuration())
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/no-such-thing", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: [String: String]]
                #expect(body?["error"]?["code"] == "not_found")
                #expect(body?["error"]?["message"]?.isEmpty == false)
            }
        }
    }

    @Test func theGivenAdminTokenIsRegisteredOnceAndOnlyItsHashIsKept() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        for _ in 0..<2 {  // the second start is a restart on the same data
            let app = try await buildApplication(configuration: configuration())
            try await app.test(.router) { _ in }
        }
        let events = try await storedEvents()
        #expect(events.map(\.type) == ["user.registered.v1", "user.token_issued.v1", "user.email_claimed.v1", "bootstrap.admin_registered.v1"])
        let registered = try #require(try UserEvent(type: events[0].type, payload: events[0].payload))
        guard case .registered(let user) = registered else { Issue.record("not a registration"); return }
        #expect(user.role == .admin)
        let issued = try #require(try UserEvent(type: events[1].type, payload: events[1].payload))
        guard case .tokenIssued(let token) = issued else { Issue.record("not a token"); return }
        #expect(token.userId == user.userId)
        // sha256("admin-token-0123456789")
        #expect(token.tokenHash == "ca8d40e6ce4716b552f1c69863335b502f2afb57ffae171d6675fd56d91ca5b2")
        #expect(!String(decoding: events[1].payload, as: UTF8.self).contains("admin-token-0123456789"))
    }

    @Test func withoutATokenOneIsGeneratedAndAnnouncedOnlyOnTheFirstStart() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        let announced = Mutex<[String]>([])
        for _ in 0..<2 {
            var configuration = configuration(token: nil)
            configuration.announceGeneratedAdminToken = { token in announced.withLock { $0.append(token) } }
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { _ in }
        }
        let tokens = announced.withLock { $0 }
        #expect(tokens.count == 1)
        #expect(tokens.first?.hasPrefix("sbt_") == true)
        #expect(tokens.first?.count == 68)
    }

    @Test func aShortAdminTokenIsRefusedAndAppendsNothing() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        await #expect(throws: (any Error).self) { _ = try await buildApplication(configuration: configuration(token: "short")) }
        #expect(try await storedEvents().isEmpty)
    }
}
