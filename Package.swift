// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode plus the upcoming features
/// the codebase is written against, set once here so no target drifts.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Synod",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "synod", targets: ["synod"]),
        .library(name: "LuaSandbox", targets: ["LuaSandbox"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Wire", targets: ["Wire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Debian's liblua5.4-dev, linked as a system library.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // The only C that touches a lua_State: protected trampolines, the capped allocator,
        // the budget hook, the sandboxed standard-library wrappers and the value bridge.
        .target(
            name: "CLuaShim",
            dependencies: ["CLua"],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // A strict, allocation-free RFC 8259 syntax check: the axon's and LuaValue's.
        .target(name: "StrictJSON", swiftSettings: swiftSettings),
        .target(
            name: "LuaSandbox",
            dependencies: [
                "CLuaShim",
                "StrictJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Debian's libopenblas-dev: matrix products.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Float32 kernels, compiled per instruction set and chosen at run time. No
        // floating-point contraction, so results do not depend on the clone chosen.
        .target(
            name: "CTensor",
            dependencies: ["CBLAS"],
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])]
        ),
        // The Lua `tensor` module (userdata, metatables, errors raised from C).
        .target(
            name: "CTensorLua",
            dependencies: ["CLua", "CLuaShim", "CTensor"],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        .target(
            name: "Tensor",
            dependencies: ["CTensor", "CTensorLua", "LuaSandbox"],
            swiftSettings: swiftSettings
        ),
        // Yuma consensus: pure functions in Q32.32 fixed point.
        .target(name: "CFixedPoint"),
        .target(
            name: "Consensus",
            dependencies: ["CFixedPoint"],
            swiftSettings: swiftSettings
        ),
        // Persistence: GRDB over the system SQLite (WAL, one writer).
        .target(
            name: "Ledger",
            dependencies: ["Consensus", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The chain's rules and the `Chain` seam: local (ledger), in memory.
        .target(
            name: "SynodChain",
            dependencies: ["Consensus", "Ledger", "CLibCrypto", "Wire"],
            swiftSettings: swiftSettings
        ),
        // Debian's libssl-dev: Ed25519, SHA-256 and BLAKE2b from the system libcrypto.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Debian's libsodium-dev: Ed25519 verification (faster than libcrypto's here).
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // prctl(2) for the signer process (variadic in C, so out of Swift's reach).
        .target(name: "CProcessHardening"),
        // Keccak-f[1600] for STROBE/Merlin (sr25519): no system library exposes it.
        .target(name: "CKeccak", cSettings: [.unsafeFlags(["-O2"])]),
        // Variable-time double scalar multiplication on ristretto255 (sr25519 verification).
        .target(name: "CRistretto", cSettings: [.unsafeFlags(["-O2"])]),
        // Keys, ss58 addresses, btauth/1 signed requests, the axon and the dendrite.
        .target(
            name: "Wire",
            dependencies: [
                "CLibCrypto",
                "CSodium",
                "CProcessHardening",
                "CKeccak",
                "CRistretto",
                "StrictJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers for tests of anything built on LuaSandbox.
        .target(
            name: "LuaSandboxTesting",
            dependencies: ["LuaSandbox", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The fatal-signal handler that names the plugin version a crash happened in.
        .target(
            name: "ChainAPI",
            dependencies: [
                "SynodChain", "Ledger", "Consensus", "Wire", "HostReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SimLab",
            dependencies: ["SubnetHost", "SynodChain", "Consensus", "Ledger", "LuaSandbox", "Wire", "HostReports"],
            swiftSettings: swiftSettings
        ),
        .target(name: "CCrashMarker"),
        .target(
            name: "HostReports",
            dependencies: ["Consensus", "Ledger"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SubnetHost",
            dependencies: [
                "LuaSandbox", "Tensor", "Consensus", "Ledger", "SynodChain", "ChainAPI", "Wire", "CCrashMarker",
                "HostReports",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "synod",
            dependencies: [
                "SubnetHost",
                "HostReports",
                "SimLab",
                "SynodChain",
                "ChainAPI",
                "LuaSandbox",
                "Tensor",
                "Consensus",
                "Ledger",
                "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks: plain executables that print a table (`make bench`).
        .target(
            name: "BenchmarkSupport",
            path: "Benchmarks/BenchmarkSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CSandboxBaseline",
            dependencies: ["CLua"],
            path: "Benchmarks/CSandboxBaseline",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        .executableTarget(
            name: "SandboxBenchmark",
            dependencies: ["LuaSandbox", "CSandboxBaseline", "BenchmarkSupport"],
            path: "Benchmarks/SandboxBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "TensorBenchmark",
            dependencies: ["Tensor", "LuaSandbox", "BenchmarkSupport"],
            path: "Benchmarks/TensorBenchmark",
            exclude: ["numpy_peer.py"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ConsensusBenchmark",
            dependencies: ["Consensus", "Ledger", "SynodChain", "BenchmarkSupport"],
            path: "Benchmarks/ConsensusBenchmark",
            exclude: ["numpy_peer.py", "torch_peer.py"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HostBenchmark",
            dependencies: ["SubnetHost", "LuaSandbox", "BenchmarkSupport"],
            path: "Benchmarks/HostBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SimBenchmark",
            dependencies: ["SimLab", "SubnetHost", "BenchmarkSupport"],
            path: "Benchmarks/SimBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "NetworkBenchmark",
            dependencies: [
                "ChainAPI", "SynodChain", "Ledger", "Consensus", "Wire", "BenchmarkSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/NetworkBenchmark",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "WireBenchmark",
            dependencies: ["Wire", "LuaSandbox", "BenchmarkSupport"],
            path: "Benchmarks/WireBenchmark",
            exclude: ["python_server.py", "replay.lua", "sr25519_peer.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LuaSandboxTests",
            dependencies: ["LuaSandbox", "LuaSandboxTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrictJSONTests",
            dependencies: ["StrictJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TensorTests",
            dependencies: ["Tensor", "LuaSandbox", "LuaSandboxTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConsensusTests",
            dependencies: ["Consensus"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: ["Ledger", "Consensus", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SynodChainTests",
            dependencies: ["SynodChain", "Ledger", "Consensus", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChainAPITests",
            dependencies: [
                "ChainAPI", "SynodChain", "Ledger", "Consensus", "Wire", "HostReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HostReportsTests",
            dependencies: ["HostReports", "Ledger", "Consensus", "SynodChain"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SimLabTests",
            dependencies: ["SimLab", "SubnetHost", "LuaSandbox", "Ledger", "HostReports"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubnetHostTests",
            dependencies: [
                "SubnetHost", "ChainAPI", "Ledger", "SynodChain", "LuaSandbox", "LuaSandboxTesting", "Consensus",
                "Wire",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "Wire",
                "CKeccak",
                "CRistretto",
                "CSodium",
                "CLibCrypto",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["interop.py"],
            swiftSettings: swiftSettings
        ),
        // A host that dies of a memory fault inside a plugin call (crash quarantine tests).
        .executableTarget(
            name: "CrashProbe",
            dependencies: ["CLua", "SubnetHost", "Ledger", "LuaSandbox"],
            path: "Tests/Support/CrashProbe",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SynodTests",
            dependencies: [
                "synod", "CrashProbe", "SynodChain", "Ledger", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
