// swift-tools-version: 6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
        .library(name: "HeraldModel", targets: ["HeraldModel"]),
        .library(name: "HeraldCompiler", targets: ["HeraldCompiler"]),
        .library(name: "HeraldRuntime", targets: ["HeraldRuntime"]),
        .library(name: "HeraldTesting", targets: ["HeraldTesting"]),
        .library(name: "HeraldService", targets: ["HeraldService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The checked rule set and the small pieces every module shares; no
        // dependencies, so a host that only evaluates a compiled bundle
        // (HeraldRuntime) links neither libyaml nor the compiler.
        .target(name: "HeraldModel", swiftSettings: strictSettings),
        .target(name: "HeraldSyntax", dependencies: ["CLibYAML"], swiftSettings: strictSettings),
        .target(name: "HeraldCompiler", dependencies: ["HeraldSyntax", "HeraldModel"], swiftSettings: strictSettings),
        // Sixteen-byte scans of the JSON reader and writer (SSE2 intrinsics,
        // inlined into HeraldRuntime).
        .target(name: "CByteScan"),
        .target(name: "HeraldRuntime", dependencies: ["HeraldModel", "CByteScan"], swiftSettings: strictSettings),
        .target(name: "HeraldTesting", dependencies: ["HeraldCompiler", "HeraldRuntime"], swiftSettings: strictSettings),
        .target(
            name: "HeraldService",
            dependencies: [
                "HeraldCompiler", "HeraldRuntime", "HeraldSyntax", "CCurl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldCompiler", "HeraldRuntime", "HeraldTesting", "HeraldService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "herald-bench", dependencies: ["HeraldCompiler", "HeraldRuntime"],
            path: "Benchmarks/herald-bench", swiftSettings: strictSettings),
        // Shared by the test targets only: running programs, temporary
        // directories, the seeded random generator, paths in the repository.
        .target(name: "HeraldTestSupport", path: "Tests/HeraldTestSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldSyntaxTests", dependencies: ["HeraldSyntax", "HeraldTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldCompilerTests", dependencies: ["HeraldCompiler", "HeraldTestSupport"],
            resources: [.copy("Fixtures"), .copy("LintCases")], swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldRuntimeTests", dependencies: ["HeraldRuntime", "HeraldCompiler", "HeraldTestSupport"],
            resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "HeraldCLITests", dependencies: ["herald", "HeraldTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldServiceTests",
            dependencies: [
                "HeraldService", "HeraldRuntime", "HeraldCompiler", "HeraldSyntax", "HeraldTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldTestingTests", dependencies: ["HeraldTesting", "HeraldTestSupport"],
            swiftSettings: strictSettings),
    ]
)
