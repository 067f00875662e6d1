// swift-tools-version:6.1
import PackageDescription

let strictSwift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "edgetail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "edgetail", targets: ["edgetail"]),
        .library(name: "EdgeTail", targets: ["EdgeTail"]),
        .library(name: "LocalEdge", targets: ["LocalEdge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "EdgeTail",
            dependencies: [
                "CPCRE2",
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSwift6
        ),
        .target(
            name: "LocalEdge",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "edgetail",
            dependencies: [
                "EdgeTail",
                "LocalEdge",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6,
            // What the loader reads at every start stays resident for the life of the
            // daemon. The toolchain links executables with --export-dynamic, which puts
            // every symbol of our modules and their dependencies (47,000) into the
            // dynamic symbol table; nothing loads edgetail as a library, so none is
            // needed. And a position-independent binary has 142,000 relative
            // relocations: 3.4 MB as RELA entries, 29 KB packed as RELR (lld; glibc
            // 2.36, Debian 12, reads them). The kernel maps code in 64 KiB windows
            // around each page touched, so the functions a running daemon executes are
            // placed together (packaging/symbol-order.sh writes the list): an idle
            // daemon 27.2-27.7 MB resident instead of 29.4-29.8 MB, measured alternated.
            linkerSettings: [.unsafeFlags([
                "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                "-Xlinker", "--no-export-dynamic",
                "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/packaging/symbol-order.txt",
                "-Xlinker", "--no-warn-symbol-ordering",
            ])]
        ),
        .executableTarget(
            name: "ParseBenchmark",
            dependencies: ["EdgeTail"],
            path: "Benchmarks/ParseBenchmark",
            swiftSettings: strictSwift6
        ),
        .executableTarget(name: "TailBenchmark", dependencies: ["EdgeTail"], path: "Benchmarks/TailBenchmark", swiftSettings: strictSwift6),
        .executableTarget(
            name: "JournalBenchmark",
            dependencies: ["EdgeTail"],
            path: "Benchmarks/JournalBenchmark",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "CollectorBenchmark",
            dependencies: [
                "LocalEdge",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/CollectorBenchmark",
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "CountingReceiver",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/CountingReceiver",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "EdgeTailTests",
            dependencies: [
                "EdgeTail",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "LocalEdgeTests",
            dependencies: ["LocalEdge", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "EdgeTail", "LocalEdge", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6
        ),
    ]
)
