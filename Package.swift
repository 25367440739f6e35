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
        .library(name: "HeraldCompiler", targets: ["HeraldCompiler"]),
        .library(name: "HeraldRuntime", targets: ["HeraldRuntime"]),
        .library(name: "HeraldTesting", targets: ["HeraldTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(name: "HeraldSyntax", dependencies: ["CLibYAML"], swiftSettings: strictSettings),
        .target(name: "HeraldCompiler", dependencies: ["HeraldSyntax"], swiftSettings: strictSettings),
        .target(name: "HeraldRuntime", dependencies: ["HeraldCompiler"], swiftSettings: strictSettings),
        .target(name: "HeraldTesting", dependencies: ["HeraldCompiler", "HeraldRuntime"], swiftSettings: strictSettings),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldCompiler", "HeraldRuntime", "HeraldTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "herald-bench", dependencies: ["HeraldCompiler", "HeraldRuntime"],
            path: "Benchmarks/herald-bench", swiftSettings: strictSettings),
        .testTarget(name: "HeraldSyntaxTests", dependencies: ["HeraldSyntax"], swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldCompilerTests", dependencies: ["HeraldCompiler"],
            resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldRuntimeTests", dependencies: ["HeraldRuntime"],
            resources: [.copy("Fixtures")], swiftSettings: strictSettings),
        .testTarget(name: "HeraldCLITests", dependencies: ["herald"], swiftSettings: strictSettings),
        .testTarget(
            name: "HeraldTestingTests", dependencies: ["HeraldTesting", "herald"], swiftSettings: strictSettings),
    ]
)
