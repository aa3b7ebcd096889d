// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "swift-ocpi",
    // macOS 15: Swift's task executors, which OCPIHTTPServer runs routes on.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "OCPI", targets: ["OCPIRuntime", "OCPI221"]),
        .library(name: "OCPI211", targets: ["OCPIRuntime", "OCPI211"]),
        .library(name: "OCPI230", targets: ["OCPIRuntime", "OCPI230"]),
        .library(name: "OCPIServer", targets: ["OCPIServer"]),
        .library(name: "OCPINIOServer", targets: ["OCPINIOServer"]),
        .library(name: "OCPIHummingbird", targets: ["OCPIHummingbird"]),
        .library(name: "OCPIAsyncHTTPClient", targets: ["OCPIAsyncHTTPClient"]),
        .library(name: "OCPINIOClient", targets: ["OCPINIOClient"]),
        .library(name: "OCPICPO", targets: ["OCPICPO", "OCPIStore"]),
        .library(name: "OCPITariffs", targets: ["OCPITariffs"]),
        .library(name: "OCPIConversions", targets: ["OCPIConversions"]),
        .executable(name: "ocpi-gen", targets: ["ocpi-gen"]),
        .executable(name: "ocpi-cpo", targets: ["ocpi-cpo"]),
        .executable(name: "ocpi-check", targets: ["ocpi-check"]),
    ],
    // Off unless asked for (`--traits FoundationCodable`, or `traits: ["FoundationCodable"]` on
    // the dependency): the generated reader and writer are the models' one codec.
    traits: [
        .trait(
            name: "FoundationCodable",
            description: "Foundation Codable for the generated models and enums, besides their own JSON reader and writer."
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.30.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.14.0"),
        // Already in the graph through postgres-kit; named for the store's direct reads on PostgreSQL.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Already in the graph through Hummingbird; named for ocpi-cpo's executor (NIOPosix).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through Hummingbird; named for OCPIHTTPServer's graceful shutdown.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        // Already in the graph through Hummingbird; named for the servers' graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Already in the graph through PostgresNIO; named for the digests of credentials tokens.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // Already in the graph through AsyncHTTPClient; named for the server's TLS (serve --tls-*).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // The generator: spec/ in, Swift and OpenAPI out. Imports nothing of the runtime.
        .target(
            name: "OCPIGenerator",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Generator/Sources/OCPIGenerator"
        ),
        .executableTarget(
            name: "ocpi-gen",
            dependencies: [
                "OCPIGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Generator/Sources/ocpi-gen"
        ),
        // What generated code stands on: JSON reading and writing, scalar types, validation,
        // and the HTTP model (swift-http-types) of requests and responses on every stack.
        // Hand-written, and nothing in it belongs to one OCPI release.
        .target(
            name: "OCPIRuntime",
            dependencies: [.product(name: "HTTPTypes", package: "swift-http-types")],
            path: "Sources/OCPIRuntime"
        ),
        // Generated from spec/ocpi-2.2.1 by `ocpi-gen generate`. Nothing in it is written by hand.
        .target(
            name: "OCPI221",
            dependencies: ["OCPIRuntime"],
            path: "Sources/OCPI221",
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/docs")]
        ),
        // Generated from spec/ocpi-2.1.1 by `ocpi-gen generate`, for partners still on 2.1.1.
        .target(
            name: "OCPI211",
            dependencies: ["OCPIRuntime"],
            path: "Sources/OCPI211",
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/docs")]
        ),
        // Generated from spec/ocpi-2.3.0 by `ocpi-gen generate`: edition 2 of the core with the
        // optional Payments package.
        .target(
            name: "OCPI230",
            dependencies: ["OCPIRuntime"],
            path: "Sources/OCPI230",
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/docs")]
        ),
        // Generated by `ocpi-gen convert` from spec/conversions/: objects of one release as another
        // has them. Nothing in it is written by hand.
        .target(
            name: "OCPIConversions",
            dependencies: ["OCPIRuntime", "OCPI211", "OCPI221", "OCPI230"],
            path: "Sources/OCPIConversions"
        ),
        // The OCPI pipeline any party's server runs, on no HTTP server of its own: routing,
        // authentication, routing headers, the envelope, pagination, request logs and metrics,
        // the credentials handshake and the partner registry's rules.
        .target(
            name: "OCPIServer",
            dependencies: [
                "OCPIRuntime",
                "OCPI211",
                "OCPI221",
                "OCPI230",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources/OCPIServer"
        ),
        // The HTTP/1.1 server for the pipeline, straight on SwiftNIO, with its TLS.
        .target(
            name: "OCPINIOServer",
            dependencies: [
                "OCPIRuntime",
                "OCPIServer",
                "OCPINIOExecutor",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/OCPINIOServer"
        ),
        // The pipeline mounted on a Hummingbird 2 router, for applications that run Hummingbird.
        .target(
            name: "OCPIHummingbird",
            dependencies: [
                "OCPIRuntime",
                "OCPIServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/OCPIHummingbird"
        ),
        // Calls to partners over AsyncHTTPClient (the runtime's `OCPIClientTransport`).
        .target(
            name: "OCPIAsyncHTTPClient",
            dependencies: [
                "OCPIRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/OCPIAsyncHTTPClient"
        ),
        // Calls to partners straight on SwiftNIO's HTTP/1.1 codec, with kept connections: the
        // CPO's pushes, where a call's CPU counts once per partner and change.
        .target(
            name: "OCPINIOClient",
            dependencies: [
                "OCPIRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Sources/OCPINIOClient"
        ),
        // Storage: SQLite (embedded default) and PostgreSQL (several instances), one SQL code path.
        // Swift concurrency's task executor on a NIO event loop, for the stacks and the store.
        .target(
            name: "OCPINIOExecutor",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/OCPINIOExecutor"
        ),
        .target(
            name: "OCPIStore",
            dependencies: [
                "OCPIRuntime",
                "OCPINIOExecutor",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Sources/OCPIStore"
        ),
        // The CPO's behaviour: module services over the store, the admin API, demo data.
        .target(
            name: "OCPICPO",
            dependencies: [
                "OCPIRuntime", "OCPI211", "OCPI221", "OCPI230", "OCPIConversions", "OCPIServer", "OCPINIOServer", "OCPIAsyncHTTPClient",
                "OCPINIOClient", "OCPINIOExecutor", "OCPIStore", "OCPITariffs",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/OCPICPO"
        ),
        // The tariff engine: prices sessions and CDRs from OCPI 2.2.1 tariffs (usable alone).
        .target(
            name: "OCPITariffs",
            dependencies: ["OCPI221", "OCPIRuntime"],
            path: "Sources/OCPITariffs"
        ),
        // glibc's allocator settings for the server (`mallopt`, which Swift's Glibc does not import).
        .target(name: "CMallocTuning", path: "Sources/CMallocTuning"),
        // The executable: argument parsing and wiring only.
        .executableTarget(
            name: "ocpi-cpo",
            dependencies: [
                "CMallocTuning", "OCPI211", "OCPI221", "OCPI230", "OCPIRuntime", "OCPIServer", "OCPINIOServer", "OCPIAsyncHTTPClient", "OCPIStore",
                "OCPICPO", "OCPITariffs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/ocpi-cpo"
        ),
        // Checks any partner's OCPI endpoints against the spec over HTTP: the checks, the report
        // and its renderers. The releases' facts come from their generated targets.
        .target(
            name: "OCPICheck",
            dependencies: [
                "OCPIRuntime", "OCPI211", "OCPI221", "OCPI230", "OCPIServer", "OCPINIOServer", "OCPIAsyncHTTPClient",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/OCPICheck"
        ),
        // The executable: argument parsing and wiring only.
        .executableTarget(
            name: "ocpi-check",
            dependencies: [
                "OCPICheck", "OCPI221", "OCPIRuntime", "OCPIServer", "OCPIAsyncHTTPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ocpi-check"
        ),
        // Decode+validate throughput, printed: `swift run -c release ocpi-bench`.
        .executableTarget(
            name: "ocpi-bench",
            dependencies: ["OCPI221", "OCPIRuntime"],
            path: "Benchmarks/ocpi-bench"
        ),
        .testTarget(
            name: "OCPIRuntimeTests",
            dependencies: ["OCPIRuntime"],
            path: "Tests/OCPIRuntimeTests"
        ),
        .testTarget(
            name: "OCPI221Tests",
            dependencies: ["OCPI221", "OCPIRuntime", "OCPITestSupport", "ocpi-cpo", .product(name: "Yams", package: "Yams")],
            path: "Tests/OCPI221Tests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "OCPI211Tests",
            dependencies: ["OCPI211", "OCPIRuntime", "OCPITestSupport"],
            path: "Tests/OCPI211Tests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "OCPI230Tests",
            dependencies: ["OCPI230", "OCPIRuntime", "OCPITestSupport", "ocpi-cpo", .product(name: "Yams", package: "Yams")],
            path: "Tests/OCPI230Tests",
            resources: [.copy("Fixtures")]
        ),
        // Live servers on loopback and shared checks for the test targets (not shipped).
        .target(
            name: "OCPITestSupport",
            dependencies: [
                "OCPIStore", "OCPIRuntime", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/OCPITestSupport"
        ),
        .testTarget(
            name: "OCPIServerTests",
            dependencies: [
                "OCPIServer", "OCPINIOServer", "OCPIHummingbird", "OCPIAsyncHTTPClient", "OCPI221", "OCPIRuntime", "OCPITestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/OCPIServerTests"
        ),
        .testTarget(
            name: "OCPIStoreTests",
            dependencies: [
                "OCPIStore", "OCPIRuntime", "OCPITestSupport",
                .product(name: "SQLKit", package: "sql-kit"), .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/OCPIStoreTests"
        ),
        .testTarget(
            name: "OCPICPOTests",
            dependencies: [
                "OCPICPO", "OCPIConversions", "OCPIServer", "OCPINIOServer", "OCPINIOExecutor", "OCPIHummingbird", "OCPIAsyncHTTPClient", "OCPINIOClient", "OCPIStore", "OCPI221",
                "OCPI230", "OCPIRuntime", "OCPITestSupport", "ocpi-cpo", "ocpi-check",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/OCPICPOTests"
        ),
        .testTarget(
            name: "OCPIConversionsTests",
            dependencies: ["OCPIConversions", "OCPICPO", "OCPI211", "OCPI221", "OCPI230", "OCPIRuntime"],
            path: "Tests/OCPIConversionsTests"
        ),
        .testTarget(
            name: "OCPITariffsTests",
            dependencies: ["OCPITariffs", "OCPI221", "OCPIRuntime"],
            path: "Tests/OCPITariffsTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "OCPICheckTests",
            dependencies: [
                "OCPICheck", "OCPIServer", "OCPINIOServer", "OCPIHummingbird", "OCPIAsyncHTTPClient", "OCPI211", "OCPI221", "OCPIRuntime",
                "OCPITestSupport", "ocpi-check", "ocpi-cpo",
            ],
            path: "Tests/OCPICheckTests"
        ),
        .testTarget(
            name: "OCPIGeneratorTests",
            dependencies: ["OCPIGenerator", "ocpi-gen", "OCPITestSupport", .product(name: "Yams", package: "Yams")],
            path: "Tests/OCPIGeneratorTests",
            // Read through #filePath: the pre-errata spec, for the diff that pins the errata.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
