import Foundation
import XCTest

/// `swnet serve SERVICE --tls` against real TLS clients: openssl s_client,
/// socat, ncat and swnet connect itself.
final class ServeTLSTests: XCTestCase {
    /// Runs `tool` with `arguments`, feeding `input`, and returns its stdout
    /// (bounded by `limit`). With `holdUntil`, stdin stays open until stdout
    /// holds that text (or `limit` passes): s_client and ncat end the
    /// connection as soon as their stdin ends, before the echo is back.
    private func run(_ tool: String, _ arguments: [String], input: String, holdUntil expected: String? = nil,
                     limit: TimeInterval = 10) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, stdout, stderr)
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        let output = StreamCollector(stdout)
        let errors = Collector(stderr)
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        if let expected { _ = output.wait(timeout: limit) { String(decoding: $0, as: UTF8.self).contains(expected) } }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        killer.cancel()
        _ = output.waitForEOF(timeout: limit)
        return (process.terminationStatus, output.text, errors.text)
    }

    func testSelfSignedEchoServesSClientSocatNcatAndSwnet() throws {
        let server = try Server(["serve", "echo", "--tls", "--tcp", "-b", "127.0.0.1", "--port", "0", "--json", "-v"])
        defer { server.stop() }
        let ready = try XCTUnwrap(server.listening.first)
        XCTAssertEqual(ready["tls"] as? Bool, true)
        let announced = try XCTUnwrap(ready["sha256"] as? String)
        let address = "127.0.0.1:\(server.port)"

        let sClient = try run("openssl", ["s_client", "-connect", address, "-quiet", "-no_ign_eof"], input: "s_client line\n", holdUntil: "s_client line\n")
        XCTAssertEqual(sClient.stdout, "s_client line\n", sClient.stderr)
        let socat = try run("socat", ["-", "OPENSSL:\(address),verify=0"], input: "socat line\n")
        XCTAssertEqual(socat.stdout, "socat line\n", socat.stderr)
        let ncat = try run("ncat", ["--ssl", "127.0.0.1", "\(server.port)"], input: "ncat line\n", holdUntil: "ncat line\n")
        XCTAssertEqual(ncat.stdout, "ncat line\n", ncat.stderr)

        // The certificate the server presents is the one it announced, and its key pin lets a client trust it.
        let presented = try run("sh", ["-c", "openssl s_client -connect \(address) </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"], input: "")
        XCTAssertEqual(presented.stdout.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, announced)
        XCTAssertTrue(server.waitForStderr("serve: key pin sha256:"))
        let pin = try XCTUnwrap(server.err.text.split(separator: "\n").first { $0.contains("key pin") }?.split(separator: " ").last.map(String.init))
        let swnet = try Harness.swnet(["--json", "connect", "--tls", "-k", "--pin", pin, "localhost:\(server.port)"], stdin: Data("swnet line\n".utf8))
        XCTAssertEqual(swnet.status, 0, swnet.stderr)
        let summary = try swnet.json()
        XCTAssertEqual(summary["bytes_received"] as? Int, 11)
        XCTAssertEqual((summary["tls"] as? [String: Any])?["sha256"] as? String, announced)
        let verified = try Harness.swnet(["connect", "--tls", "localhost:\(server.port)"], stdin: Data())
        XCTAssertEqual(verified.status, 6, "a self-signed certificate does not verify: " + verified.stderr)
        XCTAssertTrue(server.waitForEvents(4) { $0["event"] as? String == "connection" })
    }

    func testEachServiceOverTLSWithGivenCertificate() throws {
        let identity = TLSFixture.localhost
        for service in ["daytime", "echo", "discard", "chargen"] {
            let server = try Server(["serve", service, "--tls", "--cert", identity.chain, "--key", identity.key, "--tcp", "-b", "127.0.0.1", "--port", "0", "--json"])
            defer { server.stop() }
            let arguments = ["connect", "--tls", "--cacert", TLSFixture.root, "--timeout", "1s", "localhost:\(server.port)"]
            let result = try Harness.swnet(arguments, stdin: Data("ping\n".utf8), closeStdinAfter: service == "chargen" ? 5 : nil)
            switch service {
            case "daytime":
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertTrue(result.text.hasSuffix("-UTC\r\n"), result.text)
            case "echo":
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(result.text, "ping\n")
            case "discard":
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(result.text, "")
            default:
                XCTAssertEqual(result.status, 5, "chargen runs until --timeout: " + result.stderr)
                XCTAssertTrue(result.text.hasPrefix(##" !"#$%&'()*+,-./0123456789"##), String(result.text.prefix(80)))
            }
        }
    }

    func testClientCertificatesAreRequiredWithClientCA() throws {
        let identity = TLSFixture.localhost
        let server = try Server(["serve", "echo", "--tls", "--cert", identity.chain, "--key", identity.key, "--client-ca", TLSFixture.root,
                                 "--tcp", "-b", "127.0.0.1", "--port", "0", "--json", "-v"])
        defer { server.stop() }
        let client = TLSFixture.client
        let with = try Harness.swnet(["connect", "--tls", "--cacert", TLSFixture.root, "--cert", client.certificate, "--key", client.key,
                                      "localhost:\(server.port)"], stdin: Data("signed\n".utf8))
        XCTAssertEqual(with.status, 0, with.stderr)
        XCTAssertEqual(with.text, "signed\n")
        let without = try run("openssl", ["s_client", "-connect", "127.0.0.1:\(server.port)", "-quiet", "-no_ign_eof"], input: "anonymous\n")
        XCTAssertFalse(without.stdout.contains("anonymous"))
        let dropped = server.waitForEvent { $0["event"] as? String == "dropped" }
        XCTAssertTrue((dropped?["reason"] as? String)?.contains("sent no certificate") == true, "\(server.events)")
    }

    func testPlainTextAndStalledClientsFailAloneWhileOthersAreServed() throws {
        let server = try Server(["serve", "echo", "--tls", "--handshake-timeout", "1s", "--tcp", "-b", "127.0.0.1", "--port", "0", "--json", "-v"])
        defer { server.stop() }
        // A client that connects and never starts its handshake.
        let stalled = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(stalled) }
        var address = Harness.loopback(port: server.port)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(stalled, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(connected, 0)

        let plain = try run("nc", ["-q", "2", "127.0.0.1", "\(server.port)"], input: "plain text\n")
        XCTAssertEqual(plain.stdout, "", "a plain-text client gets nothing back")
        let served = try Harness.swnet(["connect", "--tls", "-k", "127.0.0.1:\(server.port)"], stdin: Data("meanwhile\n".utf8))
        XCTAssertEqual(served.text, "meanwhile\n", served.stderr)

        // The stalled client loses its slot after --handshake-timeout: it reads end of file.
        var byte: UInt8 = 0
        var poller = pollfd(fd: stalled, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&poller, 1, 5000), 1)
        XCTAssertEqual(read(stalled, &byte, 1), 0)

        XCTAssertTrue(server.waitForEvents(2) { $0["event"] as? String == "dropped" })
        let reasons = server.events.filter { $0["event"] as? String == "dropped" }.compactMap { $0["reason"] as? String }
        XCTAssertTrue(reasons.contains { $0.contains("the client is not speaking TLS") }, "\(reasons)")
        XCTAssertTrue(reasons.contains { $0.contains("not finished within 1s (--handshake-timeout)") }, "\(reasons)")
        let exit = server.stop(SIGINT)
        XCTAssertEqual(exit.status, 0)
        XCTAssertTrue(exit.stderr.contains("2 failed the TLS handshake"), exit.stderr)
    }

    func testKeyProblemsAreCaughtAtStart() throws {
        let folder = NSTemporaryDirectory() + "swnet-serve-key-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let openKey = folder + "/open.key"
        try FileManager.default.copyItem(atPath: TLSFixture.localhost.key, toPath: openKey)
        chmod(openKey, 0o644)
        let server = try Server(["serve", "echo", "--tls", "--cert", TLSFixture.localhost.chain, "--key", openKey, "--tcp", "-b", "127.0.0.1", "--port", "0", "--json"])
        XCTAssertTrue(server.waitForStderr("the private key \(openKey) can be read by group or others"), server.err.text)
        server.stop()

        let mismatch = try Harness.swnet(["serve", "echo", "--tls", "--cert", TLSFixture.localhost.certificate, "--key", TLSFixture.wrongName.key, "--port", "0"])
        XCTAssertEqual(mismatch.status, 2, mismatch.stderr)
        XCTAssertTrue(mismatch.stderr.contains("the key \(TLSFixture.wrongName.key) does not match the certificate \(TLSFixture.localhost.certificate)"), mismatch.stderr)
        let udp = try Harness.swnet(["serve", "echo", "--tls", "--udp", "--port", "0"])
        XCTAssertEqual(udp.status, 2, udp.stderr)
        let withoutTLS = try Harness.swnet(["serve", "echo", "--cert", TLSFixture.localhost.certificate, "--port", "0"])
        XCTAssertEqual(withoutTLS.status, 2, withoutTLS.stderr)
    }
}

/// Collects a pipe's bytes on a thread of its own, so a full pipe never blocks its writer.
private final class Collector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        DispatchQueue.global().async {
            self.data = pipe.fileHandleForReading.readDataToEndOfFile()
            self.done.signal()
        }
    }

    var text: String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}
