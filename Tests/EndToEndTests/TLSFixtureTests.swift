import Foundation
import XCTest

/// The TLS fixtures checked with `openssl s_client`, the reference client:
/// each certificate verifies (or fails) as its name says, and each server
/// starter gives a server that speaks TLS and does what it promises.
final class TLSFixtureTests: XCTestCase {
    /// `openssl s_client` against `address`, trusting the test root and
    /// checking the name localhost: the handshake's report and the exit status.
    private func sClient(_ address: String, _ options: [String] = [], input: String = "") throws -> (status: Int32, output: String) {
        try run("/usr/bin/openssl", ["s_client", "-connect", address, "-CAfile", TLSFixture.root, "-verify_return_error",
                                     "-verify_hostname", "localhost", "-servername", "localhost"] + options, input: input)
    }

    /// `socat` as the client: sends `input`, half-closes (close_notify) —
    /// once the answer contains `awaiting`, if given — and returns what
    /// comes back until the server closes.
    private func socatClient(_ address: String, _ options: String = "", input: String, awaiting: String? = nil) throws -> String {
        try run("/usr/bin/socat", ["-t", "5", "-", "OPENSSL:\(address),cafile=\(TLSFixture.root),commonname=localhost\(options)"],
                input: input, awaiting: awaiting).output
    }

    private func run(_ tool: String, _ arguments: [String], input: String, awaiting: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        if awaiting == nil { try stdin.fileHandleForWriting.close() }
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: killer)
        var data = Data()
        while case let chunk = stdout.fileHandleForReading.availableData, !chunk.isEmpty {
            data += chunk
            if let awaiting, String(decoding: data, as: UTF8.self).contains(awaiting) { try? stdin.fileHandleForWriting.close() }
        }
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testNginxPresentsAChainOfTwoThatVerifiesAndStaplesOCSP() throws {
        let server = try TLSServer.nginx(stapling: TLSFixture.localhostOCSP)
        let (status, output) = try sClient(server.address, ["-status", "-ign_eof"], input: "GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("Verify return code: 0 (ok)"), output)
        XCTAssertTrue(output.contains(" 1 s:CN = swnet test intermediate CA") && !output.contains(" 2 s:"), output)
        XCTAssertTrue(output.contains("Cert Status: good"), output)
        XCTAssertTrue(output.contains("hello"), output)
        let ipv6 = try sClient("[::1]:\(server.port)", ["-ign_eof"], input: "GET / HTTP/1.0\r\n\r\n")
        XCTAssertTrue(ipv6.output.contains("hello"), ipv6.output)
    }

    func testExpiredWrongNameAndSelfSignedLeavesFailVerification() throws {
        for (identity, reason) in [(TLSFixture.expired, "certificate has expired"), (TLSFixture.wrongName, "hostname mismatch"),
                                   (TLSFixture.selfSigned, "self-signed certificate")] {
            let server = try TLSServer.nginx(identity, hosts: ["127.0.0.1"])
            let (status, output) = try sClient(server.address)
            XCTAssertNotEqual(status, 0, output)
            XCTAssertTrue(output.contains(reason), "\(reason): \(output)")
        }
    }

    func testSServerRequiresAClientCertificateAndOffersALPN() throws {
        let server = try TLSServer.sServer(options: ["-Verify", "1", "-CAfile", TLSFixture.root, "-alpn", "h2,http/1.1"])
        let with = try sClient(server.address, ["-cert", TLSFixture.client.certificate, "-key", TLSFixture.client.key, "-alpn", "h2"],
                               input: "from the client\n")
        XCTAssertTrue(with.output.contains("ALPN protocol: h2"), with.output)
        XCTAssertTrue(server.waitForOutput("from the client"), server.output)
        let without = try sClient(server.address)
        XCTAssertFalse(without.output.contains("ALPN protocol"), without.output)
    }

    func testSServerRevAnswersEachLineReversed() throws {
        let server = try TLSServer.sServer(options: ["-rev"])
        let output = try socatClient(server.address, input: "olleh\n")
        XCTAssertTrue(output.contains("hello"), output)
    }

    func testSocatEchoesUntilTheClientHalfCloses() throws {
        let server = try TLSServer.socatEcho()
        XCTAssertEqual(try socatClient(server.address, input: "echoed back\n"), "echoed back\n")
    }

    /// ncat ends the connection when the client half-closes, so the client waits for the echo first.
    func testNcatEchoes() throws {
        let server = try TLSServer.ncat()
        XCTAssertEqual(try socatClient(server.address, input: "echoed back\n", awaiting: "\n"), "echoed back\n")
    }

    func testSocatReadsToEndOfFileThenAnswers() throws {
        let server = try TLSServer.socat(exec: "wc -c")
        let output = try socatClient(server.address, input: "12345")
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "5", output)
    }

    func testSocatRequiresAClientCertificateWhenAskedTo() throws {
        let server = try TLSServer.socatEcho(clientCA: TLSFixture.root)
        let with = try socatClient(server.address, ",cert=\(TLSFixture.client.certificate),key=\(TLSFixture.client.key)", input: "signed\n")
        XCTAssertEqual(with, "signed\n")
        let without = try socatClient(server.address, input: "anonymous\n")
        XCTAssertFalse(without.contains("anonymous"), without)
    }
}
