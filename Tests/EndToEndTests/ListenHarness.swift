import Foundation
import XCTest

/// `swnet listen ...` running as a child process with a stdin the test
/// writes to and closes, its stdout and stderr collected. The port comes
/// from the ready line ("swnet: listening on 127.0.0.1:40123/tcp") or,
/// with --json, the listening event; the process is stopped by its PID.
final class Listener: ObservedProcess {
    let process = Process()
    let out: StreamCollector
    let err: StreamCollector
    private let input = Pipe()
    private(set) var port: UInt16 = 0
    var pid: pid_t { process.processIdentifier }

    /// Starts swnet with `arguments` and waits (bounded) for `sockets` ready lines.
    /// `launcher` runs it through a tool that execs it (the PID stays swnet's), as `Server`'s does.
    init(_ arguments: [String], stdin: Data? = nil, closeStdin: Bool = false, sockets: Int = 1, timeout: TimeInterval = 10,
         launcher: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        signal(SIGPIPE, SIG_IGN)
        if launcher.isEmpty {
            process.executableURL = Harness.binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [Harness.binary.path] + arguments
        }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = input
        try process.run()
        out = StreamCollector(outPipe)
        err = StreamCollector(errPipe)
        if let stdin { write(stdin) }
        if closeStdin { closeInput() }
        let json = arguments.contains("--json")
        let ready = (json ? out : err).wait(timeout: timeout) { data in
            String(decoding: data, as: UTF8.self).components(separatedBy: json ? "\"listening\"" : "listening on ").count > sockets
        }
        guard ready else {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            XCTFail("\(arguments): not listening; stdout: \(out.text) stderr: \(err.text)", file: file, line: line)
            throw ServeHarnessError.notReady(err.text)
        }
        let text = json ? out.text : err.text
        if let match = text.range(of: json ? #""port":\s*[0-9]+"# : #":[0-9]+/(tcp|udp)"#, options: .regularExpression) {
            port = UInt16(text[match].filter(\.isNumber)) ?? 0
        }
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Writes go through one queue in order: swnet reads stdin only once a client comes.
    private let writer = DispatchQueue(label: "listener-stdin")

    func write(_ data: Data) {
        let handle = input.fileHandleForWriting
        writer.async { try? handle.write(contentsOf: data) }
    }

    func write(_ text: String) { write(Data(text.utf8)) }

    func closeInput() {
        let handle = input.fileHandleForWriting
        writer.async { try? handle.close() }
    }

    /// Waits (bounded) until stderr contains `text` `count` times.
    @discardableResult
    func waitForStderr(_ text: String, count: Int = 1, timeout: TimeInterval = 5) -> Bool {
        err.wait(timeout: timeout) { String(decoding: $0, as: UTF8.self).components(separatedBy: text).count > count }
    }

    /// Waits at most `timeout` for the process to exit by itself.
    func waitForExit(timeout: TimeInterval = 10) -> Server.Exit? {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        out.waitForEOF(timeout: 2)
        err.waitForEOF(timeout: 2)
        return Server.Exit(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, killed: false,
                           stdout: out.text, stderr: err.text, seconds: Date().timeIntervalSince(start))
    }

    /// Sends `signal` and waits (bounded) for the exit; SIGKILL after that.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 5) -> Server.Exit {
        if process.isRunning { kill(pid, signal) }
        if let exit = waitForExit(timeout: timeout) { return exit }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        return Server.Exit(status: process.terminationStatus, signaled: true, killed: true, stdout: out.text, stderr: err.text, seconds: timeout)
    }
}

/// Runs `script` with /bin/sh, killed after `limit`: for pipelines of real tools.
func shell(_ script: String, limit: TimeInterval = 60) throws -> Harness.Result {
    try Tool.run("sh", ["-c", script], limit: limit)
}
