// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        .library(name: "InboxCore", targets: ["InboxCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // Safe, closure-scoped transactions over liblmdb.
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        // The pure domain: Foundation only.
        .target(name: "InboxCore"),
        // Event log backends behind InboxCore's EventLog protocol.
        .target(
            name: "EventLog",
            dependencies: [
                "InboxCore", "LMDB",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The scale-out event log: PostgreSQL behind the same EventLog protocol.
        .target(
            name: "PostgresEventLog",
            dependencies: [
                "InboxCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The runner that folds the log into read models stored in LMDB.
        .target(
            name: "Projections",
            dependencies: [
                "InboxCore", "LMDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The email channel: SMTP both ways (pure session state machines, NIO adapters) and MIME.
        .target(
            name: "EmailChannel",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Channels/Email"
        ),
        // The Messenger channel's pure logic: webhook verification and decoding, Send API requests and replies.
        .target(
            name: "MessengerChannel",
            dependencies: ["InboxCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Channels/Messenger"
        ),
        // The web form channel's pure logic: definitions, parsing, validation, rendering, rate limiting.
        .target(name: "FormsChannel", dependencies: ["InboxCore"], path: "Sources/Channels/Forms"),
        .target(
            name: "InboxAPI",
            dependencies: [
                "InboxCore", "EventLog", "Projections", "LMDB", "EmailChannel", "MessengerChannel", "FormsChannel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            // The chat widget and its demo page, served as they are.
            resources: [.copy("Chat/Assets")]
        ),
        .target(
            name: "Bench",
            dependencies: [
                "InboxCore", "EventLog", "LMDB", "InboxAPI", "EmailChannel", "Projections", "PostgresEventLog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "MessengerChannel", "PostgresEventLog",
                "InboxAPI", "InboxCore", "Bench", "EmailChannel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A child process for the crash test: appends from many tasks and prints every acknowledged position.
        .executableTarget(
            name: "log-crash-writer",
            dependencies: ["InboxCore", "EventLog", "LMDB"],
            path: "Tests/LogCrashWriter"
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "InboxCore", "EventLog", "PostgresEventLog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB", "TestSupport"]),
        .testTarget(name: "InboxCoreTests", dependencies: ["InboxCore", "TestSupport"]),
        .testTarget(name: "ProjectionsTests", dependencies: ["Projections", "EventLog", "LMDB", "TestSupport"]),
        .testTarget(
            name: "EventLogTests",
            dependencies: [
                "EventLog", "PostgresEventLog", "InboxCore", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(
            name: "EmailChannelTests",
            dependencies: [
                "EmailChannel", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Peers", "Corpus"]
        ),
        .testTarget(
            name: "MessengerChannelTests",
            dependencies: ["MessengerChannel", "InboxCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "FormsChannelTests", dependencies: ["FormsChannel", "InboxCore"]),
        .testTarget(
            name: "InboxAPITests",
            dependencies: [
                "InboxAPI", "TestSupport", "PostgresEventLog",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            exclude: ["Peers"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
