import Foundation
import XCTest

/// Bad input to `swnet serve`: unknown services, bad values, addresses in
/// use, privileged ports. Each gets its exit code and a clear message.
final class ServeErrorTests: XCTestCase {
    var servers: [Server] = []
    override func tearDown() { servers.forEach { $0.stop(SIGKILL, timeout: 2) } }

    func testUnknownServiceIsAUsageErrorWithASuggestion() throws {
        let unknown = try Harness.swnet(["serve", "nosuch"], limit: 5)
        XCTAssertEqual(unknown.status, 2, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("'nosuch'"), unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("daytime, echo, discard, chargen"), unknown.stderr)
        XCTAssertEqual(unknown.stderr.split(separator: "\n").count, 1, unknown.stderr)
        XCTAssertEqual(unknown.text, "")

        let typo = try Harness.swnet(["serve", "ecoh"], limit: 5)
        XCTAssertEqual(typo.status, 2, typo.stderr)
        XCTAssertTrue(typo.stderr.contains("did you mean 'echo'?"), typo.stderr)

        let missing = try Harness.swnet(["serve"], limit: 5)
        XCTAssertEqual(missing.status, 2, missing.stderr)
    }

    func testBadValuesAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["serve", "echo", "--port", "70000"], "70000"),
            (["serve", "echo", "--port", "-1"], "--port"),
            (["serve", "echo", "--tcp", "--udp", "--port", "0"], "--tcp"),
            (["serve", "echo", "--max-conns", "0", "--port", "0"], "--max-conns"),
            (["serve", "echo", "--idle-timeout", "soon", "--port", "0"], "--idle-timeout"),
            (["serve", "echo", "--max-con", "5", "--port", "0"], "--max-conns"),
        ]
        for (arguments, needle) in cases {
            let result = try Harness.swnet(arguments, limit: 5)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(needle), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        }
    }

    func testAddressInUseExits10NamingTheAddress() throws {
        // The test holds a listener on 127.0.0.1:P.
        let (fd, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        defer { close(fd) }
        XCTAssertEqual(listen(fd, 1), 0)
        let result = try Harness.swnet(["serve", "echo", "--tcp", "-b", "127.0.0.1", "--port", "\(port)"], limit: 5)
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(result.stderr.contains("127.0.0.1:\(port)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("address already in use"), result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: serve: "), result.stderr)
        XCTAssertEqual(result.text, "")

        // The same as a JSON error document.
        let json = try Harness.swnet(["serve", "echo", "--json", "--tcp", "-b", "127.0.0.1", "--port", "\(port)"], limit: 5)
        XCTAssertEqual(json.status, 10)
        let error = try XCTUnwrap(try json.json()["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 10)
        XCTAssertTrue((error["message"] as? String ?? "").contains("127.0.0.1:\(port)"), "\(error)")
    }

    func testUDPAddressInUseExits10() throws {
        let (fd, port) = Harness.boundLoopbackSocket(type: SOCK_DGRAM)
        defer { close(fd) }
        let result = try Harness.swnet(["serve", "echo", "--udp", "-b", "127.0.0.1", "--port", "\(port)"], limit: 5)
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(result.stderr.contains("127.0.0.1:\(port)"), result.stderr)
    }

    /// A second `swnet serve` on a port the first one serves must not quietly
    /// share it (and take half its clients): address in use, exit 10.
    func testASecondServerOnTheSamePortExits10() throws {
        let first = try Server(["serve", "echo", "--tcp", "-b", "127.0.0.1", "--port", "0", "--json"])
        servers.append(first)
        let second = try Harness.swnet(["serve", "echo", "--tcp", "-b", "127.0.0.1", "--port", "\(first.port)"], limit: 1.5)
        // (Status 9 here means it did not exit at all and was killed after 1.5 s: it is serving too.)
        XCTAssertEqual(second.status, 10, "second server on \(first.port): status \(second.status), stderr: \(second.stderr)")
        XCTAssertTrue(second.stderr.contains("address already in use"), second.stderr)
    }

    func testPrivilegedPortAsAnUnprivilegedUserExits10AndSuggestsPort() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to drop to nobody with setpriv") }
        let unprivilegedStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 1024
        guard unprivilegedStart > 13 else { throw XCTSkip("port 13 is not privileged here (ip_unprivileged_port_start \(unprivilegedStart))") }
        let result = try Tool.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Harness.binary.path,
                                              "serve", "daytime", "--tcp", "-b", "127.0.0.1", "--port", "13"], limit: 5)
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(result.stderr.contains("127.0.0.1:13"), result.stderr)
        XCTAssertTrue(result.stderr.contains("permission denied"), result.stderr)
        XCTAssertTrue(result.stderr.contains("--port"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)

        // The default port of the service is the standard one, and the same advice comes.
        let standard = try Tool.run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Harness.binary.path,
                                                "serve", "echo", "--tcp", "-b", "127.0.0.1"], limit: 5)
        XCTAssertEqual(standard.status, 10, standard.stderr)
        XCTAssertTrue(standard.stderr.contains("127.0.0.1:7/tcp"), standard.stderr)
        XCTAssertTrue(standard.stderr.contains("--port"), standard.stderr)
    }
}
