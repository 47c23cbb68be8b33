// swift-tools-version:6.0
import PackageDescription

// Layers point one way: shims <- core <- socket/transfer, CLI <- commands <- executable.

// swnet uses neither Swift concurrency nor Regex: without their implicit
// imports, the static binary leaves out their runtimes and libdispatch, whose
// relocated data and initialisers every run would pay for at start.
let lean: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-implicit-concurrency-module-import",
                                          "-Xfrontend", "-disable-implicit-string-processing-module-import"])]

let package = Package(
    name: "swnet",
    products: [
        .executable(name: "swnet", targets: ["swnet"]),
    ],
    targets: [
        // Exposes epoll and the socket headers that Swift's Glibc module leaves out.
        .target(name: "CSwnetLinux"),
        // Typed wrappers around libcurl's variadic setopt and getinfo, and
        // libcurl loaded on first use (Debian: libcurl4-openssl-dev for the
        // headers, libcurl4 at run time).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        // OpenSSL 3's macros and variadic calls as functions, and OpenSSL
        // loaded on first use (Debian: libssl-dev for the headers, libssl3 at run time).
        .target(name: "COpenSSL", linkerSettings: [.linkedLibrary("dl")]),
        // Errors and exit codes, durations and sizes, output (text and JSON), the terminal.
        .target(name: "SwnetCore", swiftSettings: lean),
        // Our own POSIX/epoll socket layer: syscalls, addresses, resolver, event loop, relay.
        .target(name: "SwnetSocket", dependencies: ["CSwnetLinux", "SwnetCore"], swiftSettings: lean),
        // TLS beside the socket layer: contexts, sessions driven by the event loop, errors in the user's words.
        .target(name: "SwnetTLS", dependencies: ["COpenSSL", "SwnetCore", "SwnetSocket"], swiftSettings: lean),
        // The transfer layer on libcurl: easy handles, callbacks, errors, transcript.
        .target(name: "SwnetTransfer", dependencies: ["CCurl", "SwnetCore"], swiftSettings: lean),
        // The table-driven command line: specs, parser, help.
        .target(name: "SwnetCLI", dependencies: ["SwnetCore"], swiftSettings: lean),
        // One file per command, and the table that lists them.
        .target(name: "SwnetCommands", dependencies: ["SwnetCore", "SwnetSocket", "SwnetTLS", "SwnetTransfer", "SwnetCLI"], swiftSettings: lean),
        .executableTarget(name: "swnet", dependencies: ["SwnetCommands", "CSwnetLinux"], swiftSettings: lean),

        .testTarget(name: "SwnetCoreTests", dependencies: ["SwnetCore"]),
        .testTarget(name: "SwnetCLITests", dependencies: ["SwnetCLI", "SwnetCommands"]),
        .testTarget(name: "SwnetSocketTests", dependencies: ["SwnetSocket", "CSwnetLinux"]),
        .testTarget(name: "SwnetTLSTests", dependencies: ["SwnetTLS", "SwnetSocket", "COpenSSL"]),
        .testTarget(name: "SwnetTransferTests", dependencies: ["SwnetTransfer", "CCurl"]),
        // Pure logic inside commands: listing parsers, message building.
        .testTarget(name: "SwnetCommandsTests", dependencies: ["SwnetCommands"]),
        // Runs the built binary against real peers on loopback; depends on it so it is built first.
        .testTarget(name: "EndToEndTests", dependencies: ["swnet"]),
    ],
    swiftLanguageModes: [.v5]
)
