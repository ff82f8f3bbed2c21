import Foundation
import NIOHTTP1

import Testing
import TestSupport

/// The real `switchboard serve` process: starts on an empty directory, serves, and stops cleanly on SIGTERM.
@Suite struct ServeProcessTests {
    @Test func serveAnswersHealthAndStopsCleanlyOnSIGTERM() async throws {
        let data = scratchDirectory("serve")
        defer { try? FileManager.default.removeItem(at: data) }
        for start in 0..<2 {
            let node = try await ServeNode.start(data: data)
            let health = try await node.call(.GET, "/healthz", root: "")
            #expect(health.status == 200)
            #expect(health.json["logPosition"] as? Int == 4, "start \(start): bootstrap appended once")
            #expect(await node.stop() == 0, "\(node.log)")
        }
    }
}
