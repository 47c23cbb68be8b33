import Foundation
import XCTest

/// The README's shell recipes, extracted from the README itself and run
/// with bash against servers this test starts: what the README tells a
/// script author to write must work as written.
final class RecipeTests: XCTestCase {
    var peers: [Peer] = []
    var http: HTTPTestServer?
    override func tearDown() {
        leftovers.forEach { kill(-$0, SIGKILL) }
        peers.forEach { $0.stop() }
        http?.stop()
    }

    static let readme = try! String(contentsOf: DocsTests.repository.appendingPathComponent("README.md"), encoding: .utf8)

    /// The code blocks fenced with ```sh after `heading`, up to the next heading of the same level.
    static func shellBlocks(under heading: String) -> [String] {
        guard let start = readme.range(of: "\n" + heading + "\n") else { return [] }
        let level = heading.prefix { $0 == "#" } + " "
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n" + level).map { rest[..<$0.lowerBound] } ?? rest
        var blocks: [String] = []
        var current: [String]?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current == nil, trimmed == "```sh" {
                current = []
            } else if current != nil, trimmed == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line.drop { $0 == " " }))
            }
        }
        return blocks
    }

    /// The recipes of "Recipes for scripts": one per paragraph, each starting with its comment.
    static var recipes: [String] {
        shellBlocks(under: "## Recipes for scripts").flatMap { $0.components(separatedBy: "\n\n") }
    }

    /// Runs `script` with bash in a session of its own, swnet first on PATH;
    /// afterwards everything left in that session is stopped by its id.
    /// Output goes to files: a server the recipe leaves behind would hold a pipe open.
    private func bash(_ script: String) throws -> Harness.Result {
        let path = Harness.binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (outFile, errFile) = (folder.appendingPathComponent("out"), folder.appendingPathComponent("err"))
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        // The session's id is the shell's own; it says it first.
        process.arguments = ["--wait", "bash", "-c", "echo \"session $$\" >&2\n" + script]
        process.environment = ProcessInfo.processInfo.environment.merging(["PATH": path]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        var errors = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        let session = errors.split(separator: "\n").first.flatMap { $0.hasPrefix("session ") ? pid_t($0.dropFirst(8)) : nil }
        if process.isRunning, let session { kill(-session, SIGKILL) }
        process.waitUntilExit()
        errors = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        let output = (try? Data(contentsOf: outFile)) ?? Data()
        let result = Harness.Result(status: process.terminationStatus, stdout: output,
                                    stderr: errors.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n"))
        // What the recipe left running is checked by the caller, then stopped here.
        leftovers.append(contentsOf: session.map { [$0] } ?? [])
        return result
    }

    /// Sessions of recipes, stopped (whatever they left) when the test ends.
    private var leftovers: [pid_t] = []

    /// Whether anything listens on the TCP `port` of this machine.
    private func listens(_ port: UInt16) -> Bool {
        let hex = String(format: ":%04X ", port)
        return ["/proc/net/tcp", "/proc/net/tcp6"].contains { table in
            (Harness.procText(table) ?? "").split(separator: "\n").contains { line in
                let columns = line.split(separator: " ")
                return columns.count > 3 && (columns[1] + " ").hasSuffix(hex) && columns[3] == "0A"
            }
        }
    }

    private func recipe(_ comment: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try XCTUnwrap(Self.recipes.first { $0.hasPrefix("# " + comment) }, "no recipe '\(comment)' in the README", file: file, line: line)
    }

    func testEveryRecipeHasACaseHere() {
        let known = ["Wait for a service", "A health check", "Open ports of a scan", "A throwaway echo server"]
        XCTAssertFalse(Self.recipes.isEmpty, "no recipes found in the README")
        for recipe in Self.recipes {
            XCTAssertTrue(known.contains { recipe.hasPrefix("# " + $0) }, "a README recipe without a test: \(recipe)")
        }
    }

    func testWaitForAService() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "true"))
        let script = try recipe("Wait for a service").replacingOccurrences(of: "localhost:5432", with: "127.0.0.1:\(port)")
        let up = try bash(script)
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(up.text + up.stderr, "", "-q -z prints nothing when the port is open")

        let down = try bash(script.replacingOccurrences(of: "--wait 30s", with: "--wait 300ms")
            .replacingOccurrences(of: "127.0.0.1:\(port)", with: "127.0.0.1:\(Harness.refusedPort())"))
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stderr.hasSuffix("database down\n"), down.stderr)
    }

    func testAHealthCheck() throws {
        let server = try HTTPTestServer()
        http = server
        let script = try recipe("A health check")
        let cases = [(server.url("/hello"), "ok"), (server.url("/status/500"), "the service answered with an error"),
                     ("http://127.0.0.1:\(Harness.refusedPort())/health", "nothing listens")]
        for (url, said) in cases {
            let result = try bash(script.replacingOccurrences(of: "http://localhost:8080/health", with: url))
            XCTAssertEqual(result.text, said + "\n", "\(url): \(result.stderr)")
        }
    }

    func testOpenPortsOfAScan() throws {
        let open = Harness.freePort(), closed = Harness.refusedPort()
        peers.append(try Peer.tcp(port: open, exec: "true"))
        let script = try recipe("Open ports of a scan").replacingOccurrences(of: "127.0.0.1:1-1024", with: "127.0.0.1:\(open),\(closed)")
        let result = try bash(script)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "\(open)\n")
    }

    func testAThrowawayEchoServerIsGoneAfterwards() throws {
        let result = try bash(try recipe("A throwaway echo server") + "\nprintf 'port %s\\n' \"$port\" >&2; sleep 0.5")
        XCTAssertEqual(result.text, "ping\n", result.stderr)
        let port = try XCTUnwrap(result.stderr.split(separator: "\n").last { $0.hasPrefix("port ") }.flatMap { UInt16($0.dropFirst(5)) }, result.stderr)
        XCTAssertFalse(listens(port), "the recipe's kill left the echo server listening on \(port)")
    }

    func testTheServeSectionsCoprocessStartsAndStops() throws {
        let block = try XCTUnwrap(Self.shellBlocks(under: "## serve").first { $0.contains("coproc") }, "no coproc recipe under serve")
        let result = try bash(block + "\necho ping | swnet connect \"127.0.0.1:$port\"; kill \"$SERVER_PID\"; printf 'port %s\\n' \"$port\" >&2; sleep 0.5")
        XCTAssertEqual(result.text, "ping\n", result.stderr)
        let port = try XCTUnwrap(result.stderr.split(separator: "\n").last { $0.hasPrefix("port ") }.flatMap { UInt16($0.dropFirst(5)) }, result.stderr)
        XCTAssertFalse(listens(port), "kill \"$SERVER_PID\" left the server listening on \(port)")
    }
}
