import Foundation
import Hummingbird
import InboxCore
import Logging
import Projections
import Testing
import TestSupport

@testable import InboxAPI

/// Schemas/openapi.yaml is a valid OpenAPI document and declares exactly the routes the service serves.
@Suite struct OpenAPIContractTests {
    func documentedRoutes() throws -> [String] {
        let run = try runScript("check-openapi.py", ["--paths"])
        try #require(run.status == 0, "openapi.yaml is not valid: \(run.errors)")
        return run.output.split(separator: "\n").map(String.init)
    }

    @Test func theDocumentDeclaresExactlyTheRoutesTheRouterServes() async throws {
        let data = scratchDirectory("openapi")
        defer { try? FileManager.default.removeItem(at: data) }
        let log = InMemoryEventLog()
        let views = try ReadModels(path: data.path)
        defer { views.close() }
        let runner = try ProjectionRunner(log: log, environment: views.environment, projections: views.projections, logger: Logger(label: "test"))
        let router = buildRouter(backend: Backend(log: log, runner: runner, views: views, configuration: AppConfiguration()), headAtStart: 0)
        let served = Set(router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        })
        // The health check is served at the root and under /api/v1; the document lists it once, at the root.
        let documented = Set(try documentedRoutes())
        #expect(documented == served.subtracting(["GET /api/v1/healthz"]))
    }
}
