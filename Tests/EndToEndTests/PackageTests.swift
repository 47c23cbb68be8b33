import Foundation
import XCTest

/// The Debian package made from the binary under test, unpacked into a
/// scratch root and run with the Swift toolchain hidden: the binary users
/// get must run where no toolchain is installed.
final class PackageTests: XCTestCase {
    /// The toolchain the build used, which the packaged binary must not need.
    static let toolchain = "/opt/swift"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs what follows in a private mount namespace where a tmpfs covers
    /// the toolchain, after checking that it is gone, and execs the rest.
    static let hidden = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                         "mount -t tmpfs -o size=64k swnet-hidden \(toolchain) && ! test -e \(toolchain)/usr/bin/swift && exec \"$@\"",
                         "hidden"]

    static func runHidden(_ command: [String]) throws -> Harness.Result {
        try Tool.run(hidden[0], Array(hidden.dropFirst()) + command)
    }

    func testPackagedBinaryRunsWithoutTheToolchain() throws {
        guard getuid() == 0 else {
            throw XCTSkip("needs root to hide \(Self.toolchain) in a private mount namespace (unshare -m)")
        }
        let linked = try Tool.run("readelf", ["-d", Harness.binary.path])
        guard !linked.text.contains("libswiftCore") else {
            throw XCTSkip("\(Harness.binary.path) loads the Swift runtime from the toolchain (a debug build); scripts/test runs this test against scripts/build-release's binary")
        }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-package-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let built = try Tool.run("bash", [Self.repository.appendingPathComponent("scripts/package").path], limit: 120,
                                 environment: ["SWNET_BINARY": Harness.binary.path, "OUTDIR": scratch.path])
        XCTAssertEqual(built.status, 0, "scripts/package: \(built.stderr)")
        let deb = built.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let version = String(try Harness.swnet(["--version"]).text.dropFirst("swnet ".count).dropLast())
        let arch = try Tool.run("dpkg", ["--print-architecture"]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(URL(fileURLWithPath: deb).lastPathComponent, "swnet_\(version)_\(arch).deb")

        let root = scratch.appendingPathComponent("root")
        let unpacked = try Tool.run("dpkg", ["-x", deb, root.path])
        XCTAssertEqual(unpacked.status, 0, unpacked.stderr)
        let swnet = root.appendingPathComponent("usr/bin/swnet")
        for path in ["usr/share/man/man1/swnet.1.gz", "usr/share/bash-completion/completions/swnet",
                     "usr/share/zsh/vendor-completions/_swnet", "usr/share/fish/vendor_completions.d/swnet.fish",
                     "usr/share/doc/swnet/copyright", "usr/share/doc/swnet/changelog.gz"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path), path)
        }
        let control = try Tool.run("dpkg-deb", ["--field", deb, "Depends"])
        XCTAssertTrue(control.text.contains("libc6"), control.text)
        XCTAssertTrue(control.text.contains("libcurl4"), control.text)
        XCTAssertTrue(control.text.contains("libssl3"), control.text)

        // --version
        let printed = try Self.runHidden([swnet.path, "--version"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(printed.text, "swnet \(version)\n")

        // serve daytime --once, and connect against it
        let server = try Server(["serve", "daytime", "--once", "--port", "0", "--json", "-b", "127.0.0.1", "--tcp"],
                                launcher: Self.hidden, binary: swnet)
        let asked = try Self.runHidden([swnet.path, "connect", "127.0.0.1:\(server.port)"])
        XCTAssertEqual(asked.status, 0, asked.stderr)
        XCTAssertTrue(fullMatch(asked.text, ServeServicesTests.rfc867 + #"-UTC\r\n"#), asked.text.debugDescription)
        let served = server.waitForExit(timeout: 10)
        XCTAssertEqual(served?.status, 0, "serve --once: \(server.err.text)")

        // http-get, which loads libcurl on first use
        let web = try HTTPTestServer()
        defer { web.stop() }
        let fetched = try Self.runHidden([swnet.path, "http-get", web.url("/hello")])
        XCTAssertEqual(fetched.status, 0, fetched.stderr)
        XCTAssertEqual(fetched.text, "hello\n")
    }
}
