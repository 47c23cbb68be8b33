import Foundation
import XCTest

/// What happens when the user interrupts swnet or its reader goes away.
final class SignalAndPipeTests: XCTestCase {
    var peers: [Peer] = []
    override func tearDown() { peers.forEach { $0.stop() } }

    func testInterruptExits130() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "sleep 3"))
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["connect", "127.0.0.1:\(port)"]
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 130)
        XCTAssertEqual(String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "swnet: interrupted\n")
    }

    func testStdoutClosedByItsReaderIsAnError() throws {
        let port = Harness.freePort()
        // The peer sends far more than a pipe holds; the reader takes one line and leaves.
        peers.append(try Peer.tcp(port: port, exec: "yes swnet"))
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", "\"$0\" connect --timeout 10s 127.0.0.1:\(port) </dev/null 2>/tmp/swnet-epipe.err | head -n 1 >/dev/null; echo ${PIPESTATUS[0]}",
                           Harness.binary.path]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        shell.waitUntilExit()
        let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(status, "10\n")
        let message = try String(contentsOfFile: "/tmp/swnet-epipe.err", encoding: .utf8)
        XCTAssertEqual(message, "swnet: connect: cannot write stdout: broken pipe\n")
    }

    func testPasswordsOnTheCommandLineAreHiddenFromPs() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "sleep 3"))
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["http-get", "--max-time", "3s", "-u", "anna:TopSecret", "http://carl:Hidden1@127.0.0.1:\(port)/"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
        var commandLine = ""
        for _ in 0..<50 where !commandLine.contains("http-get") {
            Thread.sleep(forTimeInterval: 0.05)
            let data = FileManager.default.contents(atPath: "/proc/\(process.processIdentifier)/cmdline") ?? Data()
            commandLine = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        }
        Thread.sleep(forTimeInterval: 0.3)  // past the start, where the arguments are overwritten
        let data = FileManager.default.contents(atPath: "/proc/\(process.processIdentifier)/cmdline") ?? Data()
        commandLine = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        XCTAssertTrue(commandLine.contains("-u anna:*********"), commandLine)
        XCTAssertTrue(commandLine.contains("http://carl:*******@127.0.0.1"), commandLine)
        XCTAssertFalse(commandLine.contains("TopSecret") || commandLine.contains("Hidden1"), commandLine)
    }

    func testStdinAndStdoutSharingOneDescriptionAreLeftBlocking() throws {
        // As on a terminal: fds 0 and 1 are one open file description.
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "echo hi"))
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        defer { close(pair[0]); close(pair[1]) }
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["connect", "127.0.0.1:\(port)"]
        let shared = FileHandle(fileDescriptor: pair[0], closeOnDealloc: false)
        process.standardInput = shared
        process.standardOutput = shared
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(fcntl(pair[0], F_GETFL) & O_NONBLOCK, 0, "swnet left the shared description non-blocking")
    }

    func testWaitingAfterStdinEndsDoesNotSpin() throws {
        let port = Harness.freePort()
        peers.append(try Peer.tcp(port: port, exec: "sleep 1.5; echo late"))
        // stdin is a pipe that ends at once; the reply comes 1.5 s later.
        let result = try Harness.swnet(["connect", "--stdin-eof", "keep", "--timeout", "5s", "127.0.0.1:\(port)"], stdin: Data())
        XCTAssertEqual(result.text, "late\n", result.stderr)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", "TIMEFORMAT=%U+%S; time (\"$0\" connect --stdin-eof keep --timeout 5s 127.0.0.1:\(port) </dev/null >/dev/null 2>&1 <<<'' )",
                           Harness.binary.path]
        let errors = Pipe()
        shell.standardError = errors
        shell.standardOutput = FileHandle.nullDevice
        try shell.run()
        shell.waitUntilExit()
        let cpu = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "+").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.reduce(0, +)
        // A busy loop would burn the whole 1.5 s; waiting costs next to nothing.
        XCTAssertLessThan(cpu, 0.5, "swnet used \(cpu) s of CPU while waiting 1.5 s")
    }

    func testInetdStopsCleanlyOnSIGTERM() throws {
        let process = Process()
        process.executableURL = Harness.binary
        process.arguments = ["serve", "echo", "--inetd"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
