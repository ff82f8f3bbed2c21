import Foundation

/// Where the PostgreSQL log lives, parsed from `postgres://user[:password]@host[:port]/database[?sslmode=...]`.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// Whether to use TLS, as libpq's `sslmode` says it (its default, `prefer`, when absent).
    public enum SSLMode: String, Sendable, Equatable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    /// Parses `text`; `postgresql://` is accepted too. The port defaults to 5432.
    public init(_ text: String) throws(InvalidPostgresURL) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else { throw InvalidPostgresURL(reason: "expected postgres://user[:password]@host[:port]/database") }
        guard let host = components.host, !host.isEmpty else { throw InvalidPostgresURL(reason: "the host is missing") }
        guard let username = components.user, !username.isEmpty else {
            throw InvalidPostgresURL(reason: "the user is missing")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw InvalidPostgresURL(reason: "the database name is missing")
        }
        self.host = host
        port = components.port ?? 5432
        self.username = username
        password = components.password
        self.database = database
        let requested = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard let sslMode = SSLMode(rawValue: requested) else {
            throw InvalidPostgresURL(reason: "sslmode must be disable, prefer or require")
        }
        self.sslMode = sslMode
    }

    /// The password from `PGPASSWORD` (as libpq takes it) when the URL gives none: secrets stay off command lines.
    public func withPassword(from environment: [String: String]) -> PostgresURL {
        guard password == nil, let given = environment["PGPASSWORD"], !given.isEmpty else { return self }
        var copy = self
        copy.password = given
        return copy
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL again, with the password left out so it can be logged.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// The full URL, password included.
    public var urlString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.host = host
        components.port = port
        components.user = username
        components.password = password
        components.path = "/" + database
        if sslMode != .prefer { components.queryItems = [URLQueryItem(name: "sslmode", value: sslMode.rawValue)] }
        return components.string ?? description
    }
}

/// A log URL that cannot be used.
public struct InvalidPostgresURL: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}
