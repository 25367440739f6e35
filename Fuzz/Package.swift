// swift-tools-version: 6.1
// libFuzzer targets for Herald's input readers (docs/fuzzing.md). Built only
// by Fuzz/run.sh with `-sanitize=fuzzer`: never part of the main package.
import PackageDescription

let settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

/// One executable per entry point; libFuzzer supplies `main`.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies, path: "Sources/\(name)", swiftSettings: settings)
}

let package = Package(
    name: "HeraldFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Herald", path: "..")],
    targets: [
        .target(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CLibFuzzer", .product(name: "HeraldCompiler", package: "Herald"),
                .product(name: "HeraldRuntime", package: "Herald"),
            ],
            path: "Sources/FuzzSupport", swiftSettings: settings),
        fuzzTarget("fuzz-event-json", [.product(name: "HeraldRuntime", package: "Herald")]),
        fuzzTarget("fuzz-yaml", [.product(name: "HeraldCompiler", package: "Herald")]),
        fuzzTarget("fuzz-languages", [.product(name: "HeraldCompiler", package: "Herald")]),
        fuzzTarget("fuzz-test-file", [.product(name: "HeraldTesting", package: "Herald")]),
        fuzzTarget("fuzz-bundle", [.product(name: "HeraldRuntime", package: "Herald")]),
    ]
)
