import Foundation
import InboxAPI

extension AppConfiguration {
    /// The bench admin's token: registered for the first admin of every benchmark's log.
    static let benchAdminToken = "sbt_bench_0123456789abcdef0123456789abcdef"

    /// The service as every benchmark runs it: its data under `directory/data`, HTTP on a free port, the bench
    /// admin registered.
    static func bench(in directory: URL) -> AppConfiguration {
        var configuration = AppConfiguration()
        configuration.dataDirectory = directory.appendingPathComponent("data").path
        configuration.port = 0
        configuration.adminToken = benchAdminToken
        configuration.announceGeneratedAdminToken = { _ in }
        return configuration
    }
}
