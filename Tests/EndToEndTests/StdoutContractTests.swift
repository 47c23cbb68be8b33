import Foundation
import XCTest

/// One rule for every command that writes data: a stdout that cannot take
/// it — its reader went away (`| head`), or it was closed at start (`>&-`)
/// — exits 10 with `swnet: COMMAND: cannot write stdout: broken pipe`. The
/// data is never silently dropped, and a command that writes nothing to
/// stdout is not disturbed.
final class StdoutContractTests: XCTestCase {
    var peers: [Peer] = []
    var http: HTTPTestServer?
    override func tearDown() {
        peers.forEach { $0.stop() }
        http?.stop()
    }

    /// Runs swnet with `arguments`, its stdout piped into `head -c 10`;
    /// returns swnet's own exit status and its stderr.
    private func intoHead(_ arguments: [String]) throws -> (status: String, stderr: String) {
        let result = try Tool.run("bash", ["-c", "\"$0\" \"$@\" </dev/null | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}",
                                           Harness.binary.path] + arguments, limit: 30)
        return (result.text, result.stderr)
    }

    private func assertBrokenPipe(_ command: String, status: String, stderr: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(status, "10\n", "\(command): \(stderr)", file: file, line: line)
        // http-get names the URL between the two: `swnet: http-get: URL: cannot write stdout: broken pipe`.
        XCTAssertTrue(stderr.hasPrefix("swnet: \(command): ") && stderr.hasSuffix(": cannot write stdout: broken pipe\n")
                      && stderr.filter { $0 == "\n" }.count == 1, "\(command): \(stderr)", file: file, line: line)
    }

    func testAVanishedReaderExits10ForEveryCommand() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "yes swnet"))
        let server = try HTTPTestServer()
        http = server
        try server.serve(Data(repeating: 0x61, count: 4 << 20), as: "big")

        var run = try intoHead(["connect", "--timeout", "10s", "127.0.0.1:\(port)"])
        assertBrokenPipe("connect", status: run.status, stderr: run.stderr)
        // A scan's JSON of 20000 ports is far more than a pipe holds: the reader leaves before it is written.
        // (Its error document goes to the same stdout, so only the status tells.)
        run = try intoHead(["--json", "connect", "-z", "127.0.0.1:1-20000"])
        XCTAssertEqual(run.status, "10\n", run.stderr)
        run = try intoHead(["http-get", server.url("/file/big")])
        assertBrokenPipe("http-get", status: run.status, stderr: run.stderr)
    }

    func testAStdoutClosedAtStartFailsEveryDataCommand() throws {
        let tcp = Harness.freePort(), udp = Harness.freePort(udp: true)
        peers.append(try Peer.tcp(port: tcp, exec: "echo hello"))
        peers.append(try Peer.udpEcho(port: udp))
        let server = try HTTPTestServer()
        http = server
        let ftp = try FTPTestServer(root: FTPFixture.root)
        defer { ftp.stop() }

        let cases: [(String, [String])] = [
            ("connect", ["connect", "127.0.0.1:\(tcp)"]),
            ("connect", ["--json", "connect", "127.0.0.1:\(tcp)"]),
            ("connect", ["connect", "-z", "127.0.0.1:\(tcp)"]),
            ("udp-send", ["udp-send", "--reply", "127.0.0.1:\(udp)", "ping"]),
            ("http-get", ["http-get", server.url("/hello")]),
            ("ftp-list", ["ftp-list", ftp.url]),
            ("smtp-send", ["smtp-send", "--dry-run", "-f", "a@example.com", "-t", "b@example.com", "--body", "hi"]),
        ]
        for (command, arguments) in cases {
            let run = try Tool.run("bash", ["-c", "\"$0\" \"$@\" </dev/null >&-; echo $?", Harness.binary.path] + arguments, limit: 30)
            // With --json too: the error cannot go where stdout was, so it goes to stderr as text.
            assertBrokenPipe(command, status: run.text, stderr: run.stderr)
        }
    }

    /// A server serves its client although its events cannot be written, then says so and exits 10.
    func testAServerWhoseJSONStdoutIsClosedSaysSoWhenItStops() throws {
        let port = Harness.freePort()
        let script = "\"$0\" --json serve echo --once --tcp -b 127.0.0.1 --port \"$1\" </dev/null >&- & pid=$!; "
            + "\"$0\" connect -q -z --wait 10s \"127.0.0.1:$1\" >/dev/null; wait $pid; echo $?"
        let run = try Tool.run("bash", ["-c", script, Harness.binary.path, "\(port)"], limit: 30)
        assertBrokenPipe("serve", status: run.text, stderr: run.stderr)
    }

    func testACommandThatWritesNothingToStdoutIgnoresItsBeingClosed() throws {
        let server = try HTTPTestServer()
        http = server
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-closed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("hello").path
        let run = try Tool.run("bash", ["-c", "\"$0\" http-get -o \"$1\" \"$2\" </dev/null >&-; echo $?", Harness.binary.path,
                                        target, server.url("/hello")])
        XCTAssertEqual(run.text, "0\n", run.stderr)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "hello\n")
    }
}
