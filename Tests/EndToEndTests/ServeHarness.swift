import Foundation
import XCTest

// Helpers for the `swnet serve` end-to-end tests: a server started as a
// process and stopped by its PID, raw loopback clients with bounded waits,
// and a runner for the real client tools (nc, socat).

/// Collects everything a descriptor yields until end-of-file, on its own
/// thread, and lets the test wait (bounded) for what it expects.
final class StreamCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer = Data()
    private var finished = false
    private let pipe: Pipe

    init(_ pipe: Pipe) {
        self.pipe = pipe
        let fd = pipe.fileHandleForReading.fileDescriptor
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                condition.lock()
                if count > 0 { buffer.append(contentsOf: chunk[..<count]) } else { finished = true }
                condition.broadcast()
                condition.unlock()
                if count <= 0 { return }
            }
        }
        thread.start()
    }

    var data: Data {
        condition.lock()
        defer { condition.unlock() }
        return buffer
    }

    var text: String { String(decoding: data, as: UTF8.self) }

    /// The complete (newline-ended) lines so far.
    var lines: [String] { StreamCollector.lines(of: data) }

    /// The complete (newline-ended) lines of `data`.
    static func lines(of data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        guard let last = text.lastIndex(of: "\n") else { return [] }
        return text[..<last].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Waits until `predicate` holds for what was collected, or end-of-file,
    /// or `timeout`; returns whether the predicate held.
    @discardableResult
    func wait(timeout: TimeInterval, until predicate: (Data) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if predicate(buffer) { return true }
            if finished || !condition.wait(until: deadline) { return predicate(buffer) }
        }
    }

    /// Waits (bounded) for end-of-file.
    @discardableResult
    func waitForEOF(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !finished {
            if !condition.wait(until: deadline) { return finished }
        }
        return true
    }
}

enum ServeHarnessError: Error, CustomStringConvertible {
    case notReady(String)
    case client(String, Int32)

    var description: String {
        switch self {
        case .notReady(let why): return "server not ready: \(why)"
        case .client(let what, let code): return "\(what): \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

/// `swnet serve ...` running as a child process. It learns its port from the
/// ready report (JSON "listening" events on stdout with `--json`, else the
/// "serving ... on ADDR:PORT/proto" lines on stderr) and is stopped by PID.
final class Server: ObservedProcess {
    struct Exit {
        let status: Int32
        let signaled: Bool
        let killed: Bool
        let stdout: String
        let stderr: String
        /// Seconds from the stop signal (or from the call) to the exit.
        let seconds: TimeInterval
    }

    let process = Process()
    let arguments: [String]
    let out: StreamCollector
    let err: StreamCollector
    /// The ready events (with --json) or `["proto":, "address":, "port":]` from stderr lines.
    private(set) var listening: [[String: Any]] = []
    private(set) var port: UInt16 = 0
    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// How many sockets `arguments` should make the server report.
    static func expectedSockets(_ arguments: [String]) -> Int {
        let transports = arguments.contains("--tcp") || arguments.contains("--udp") ? 1 : 2
        let binds = arguments.filter { $0 == "-b" || $0 == "--bind" || $0.hasPrefix("--bind=") }.count
        let families = arguments.contains("-4") || arguments.contains("-6") ? 1 : 2
        return transports * (binds > 0 ? binds : families)
    }

    /// Starts the binary with `arguments` and waits (at most `timeout`) for
    /// one ready report per socket.
    /// `launcher` runs the binary through a tool that execs it (so the PID
    /// stays the server's), e.g. `["prlimit", "--nofile=20:20"]`.
    init(_ arguments: [String], environment: [String: String] = [:], sockets: Int? = nil, timeout: TimeInterval = 10,
         launcher: [String] = [], binary: URL = Harness.binary, file: StaticString = #filePath, line: UInt = #line) throws {
        signal(SIGPIPE, SIG_IGN)
        self.arguments = arguments
        if launcher.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [binary.path] + arguments
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        out = StreamCollector(outPipe)
        err = StreamCollector(errPipe)

        let expected = sockets ?? Server.expectedSockets(arguments)
        let json = arguments.contains("--json")
        // The predicate sees the collected bytes (the collector's lock is held: no `lines` in here).
        let ready = (json ? out : err).wait(timeout: timeout) { data in
            let lines = StreamCollector.lines(of: data)
            return (json ? Server.jsonEvents(lines) : Server.stderrReports(lines))
                .filter { $0["event"] as? String == "listening" }.count >= expected
        }
        guard ready else {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            let message = "\(arguments): expected \(expected) ready reports; stdout: \(out.text) stderr: \(err.text)"
            XCTFail(message, file: file, line: line)
            throw ServeHarnessError.notReady(message)
        }
        listening = Array((json ? Server.jsonEvents(out.lines) : Server.stderrReports(err.lines))
            .filter { $0["event"] as? String == "listening" }.prefix(expected))
        port = UInt16(listening.first?["port"] as? Int ?? 0)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Every stdout line parsed as a JSON object (lines that are not are skipped).
    static func jsonEvents(_ lines: [String]) -> [[String: Any]] {
        lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// `swnet: serving echo on 127.0.0.1:4000/tcp` lines as events.
    static func stderrReports(_ lines: [String]) -> [[String: Any]] {
        let pattern = try! NSRegularExpression(pattern: #"^swnet: serving (\w+) on \[?([^\]]+?)\]?:(\d+)/(tcp|udp)$"#)
        return lines.compactMap { line in
            let range = NSRange(line.startIndex..., in: line)
            guard let match = pattern.firstMatch(in: line, range: range) else { return nil }
            let group = { (index: Int) in String(line[Range(match.range(at: index), in: line)!]) }
            return ["event": "listening", "service": group(1), "address": group(2), "port": Int(group(3))!, "proto": group(4)]
        }
    }

    /// The JSON events on stdout so far.
    var events: [[String: Any]] { Server.jsonEvents(out.lines) }

    /// Waits (bounded) for a JSON event on stdout that `predicate` accepts.
    func waitForEvent(timeout: TimeInterval = 3, where predicate: @escaping ([String: Any]) -> Bool) -> [String: Any]? {
        out.wait(timeout: timeout) { Server.jsonEvents(StreamCollector.lines(of: $0)).contains(where: predicate) }
        return events.first(where: predicate)
    }

    /// Waits (bounded) until `count` JSON events on stdout satisfy `predicate`.
    @discardableResult
    func waitForEvents(_ count: Int, timeout: TimeInterval = 3, where predicate: @escaping ([String: Any]) -> Bool) -> Bool {
        out.wait(timeout: timeout) { Server.jsonEvents(StreamCollector.lines(of: $0)).filter(predicate).count >= count }
    }

    /// Waits (bounded) until stderr contains `text`.
    @discardableResult
    func waitForStderr(_ text: String, timeout: TimeInterval = 3) -> Bool {
        err.wait(timeout: timeout) { String(decoding: $0, as: UTF8.self).contains(text) }
    }

    /// Waits at most `timeout` for the process to exit by itself.
    func waitForExit(timeout: TimeInterval, since start: Date = Date()) -> Exit? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        out.waitForEOF(timeout: 2)
        err.waitForEOF(timeout: 2)
        return Exit(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, killed: false,
                    stdout: out.text, stderr: err.text, seconds: seconds)
    }

    /// Sends `signal` to the server's PID and waits at most `timeout` for it
    /// to exit; SIGKILL after that (reported as `killed`).
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 5) -> Exit {
        let start = Date()
        if process.isRunning { kill(pid, signal) }
        if let exit = waitForExit(timeout: timeout, since: start) { return exit }
        kill(pid, SIGKILL)
        process.waitUntilExit()
        out.waitForEOF(timeout: 2)
        err.waitForEOF(timeout: 2)
        return Exit(status: process.terminationStatus, signaled: true, killed: true, stdout: out.text, stderr: err.text,
                    seconds: Date().timeIntervalSince(start))
    }

    /// Local ports of every TCP listener and UDP socket the server process holds.
    func boundPorts() -> [(proto: String, port: UInt16)] {
        let fdDirectory = "/proc/\(pid)/fd"
        let inodes: Set<String> = Set(((try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? []).compactMap { entry in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDirectory)/\(entry)"),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst("socket:[".count).dropLast())
        })
        var found: [(String, UInt16)] = []
        for (table, proto) in [("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp")] {
            let rows = (Harness.procText("/proc/net/\(table)") ?? "").split(separator: "\n").dropFirst()
            for row in rows {
                let columns = row.split(separator: " ")
                guard columns.count > 9, inodes.contains(String(columns[9])) else { continue }
                // TCP: only listeners (state 0A); UDP: every bound socket.
                if proto == "tcp" && columns[3] != "0A" { continue }
                guard let portHex = columns[1].split(separator: ":").last, let port = UInt16(portHex, radix: 16) else { continue }
                found.append((proto, port))
            }
        }
        return found
    }
}

/// A process the tests started (a server, a listener, a forwarder), read
/// through /proc: memory, CPU time, descriptors, children.
protocol ObservedProcess {
    var pid: pid_t { get }
}

extension ObservedProcess {
    /// Resident memory in KiB.
    var residentKiB: Int? {
        guard let status = Harness.procText("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ")[1])
    }

    /// CPU time (user + system) used so far, in clock ticks (1/100 s).
    var cpuTicks: Int? {
        guard let stat = Harness.procText("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// How many descriptors the process holds now.
    var descriptorCount: Int { ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).count }

    /// The descriptors it holds now, counted by kind: "socket", "pipe",
    /// "anon_inode" (epoll, eventfd, pidfd...), or the path of a file.
    var descriptorKinds: [String: Int] {
        let folder = "/proc/\(pid)/fd"
        var kinds: [String: Int] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(entry)") else { continue }
            kinds[target.firstIndex(of: ":").map { String(target[..<$0]) } ?? target, default: 0] += 1
        }
        return kinds
    }

    /// The processes whose parent it is, zombies included.
    var children: [String] {
        let text = (Harness.procText("/proc/\(pid)/task/\(pid)/children")) ?? ""
        return text.split(separator: " ").map(String.init)
    }

    /// Its children that have exited and were not reaped.
    var zombies: [String] {
        children.filter { child in
            guard let stat = Harness.procText("/proc/\(child)/stat"),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
        }
    }
}

/// A socket address on loopback (or any numeric address) as the C calls want it.
struct NumericAddress {
    private(set) var storage = sockaddr_storage()
    let length: socklen_t
    let family: Int32

    init(_ host: String, _ port: UInt16) {
        var storage = sockaddr_storage()
        defer { self.storage = storage }
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            precondition(inet_pton(AF_INET6, host, &address.sin6_addr) == 1, "not an IPv6 address: \(host)")
            withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            precondition(inet_pton(AF_INET, host, &address.sin_addr) == 1, "not an IPv4 address: \(host)")
            withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
    }

    func withPointer<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafeBytes(of: storage) { raw in body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

/// Waits at most `milliseconds` for `events` on `fd`; returns the revents (0 on timeout).
func pollFor(_ fd: Int32, _ events: Int32, milliseconds: Int) -> Int32 {
    var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
    let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
    while true {
        let remaining = max(0, Int32(deadline.timeIntervalSinceNow * 1000))
        let result = poll(&entry, 1, remaining)
        if result < 0 && errno == EINTR { continue }
        return result > 0 ? Int32(entry.revents) : 0
    }
}

/// Checks `condition` every 10 ms until it holds or `timeout` passed; returns
/// whether it held. For state only /proc shows (children, descriptors).
@discardableResult
func eventually(within timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline { return false }
        Thread.sleep(forTimeInterval: 0.01)
    }
    return true
}

/// A raw TCP client on a non-blocking socket: every wait is bounded.
final class TCPClient {
    private(set) var fd: Int32

    /// Connects to `host`:`port` within `timeout`; `receiveBuffer` shrinks
    /// SO_RCVBUF first (a client that never reads then fills up fast).
    init(_ host: String = "127.0.0.1", _ port: UInt16, timeout: TimeInterval = 5, receiveBuffer: Int32? = nil) throws {
        let address = NumericAddress(host, port)
        fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServeHarnessError.client("socket", errno) }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = address.withPointer { connect(fd, $0, $1) }
        if result != 0 {
            guard errno == EINPROGRESS else {
                let code = errno
                close()
                throw ServeHarnessError.client("connect \(host):\(port)", code)
            }
            guard pollFor(fd, POLLOUT, milliseconds: Int(timeout * 1000)) != 0 else {
                close()
                throw ServeHarnessError.client("connect \(host):\(port)", ETIMEDOUT)
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code != 0 {
                close()
                throw ServeHarnessError.client("connect \(host):\(port)", code)
            }
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Sends all of `data`, waiting at most `timeout` in all.
    func send(_ data: Data, timeout: TimeInterval = 5) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var offset = 0
        try data.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let count = Glibc.send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if count > 0 { offset += count; continue }
                let code = errno
                if count < 0 && (code == EAGAIN || code == EINTR) {
                    let left = Int(deadline.timeIntervalSinceNow * 1000)
                    if left <= 0 { throw ServeHarnessError.client("send", ETIMEDOUT) }
                    _ = pollFor(fd, POLLOUT, milliseconds: left)
                    continue
                }
                throw ServeHarnessError.client("send", code)
            }
        }
    }

    func send(_ text: String, timeout: TimeInterval = 5) throws { try send(Data(text.utf8), timeout: timeout) }

    /// Sends without ever waiting for the peer: keeps writing `chunk` over
    /// and over (the stream is `chunk` repeated) until the socket has taken
    /// nothing for `quiet` seconds or `limit` bytes went. Returns the number
    /// of bytes the kernel took.
    func sendUntilBlocked(chunk: Data, quiet: TimeInterval, limit: Int) -> Int {
        var total = 0
        var lastProgress = Date()
        while total < limit && Date().timeIntervalSince(lastProgress) < quiet {
            let offset = total % chunk.count
            let count = chunk.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, min($0.count - offset, limit - total), Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                total += count
                lastProgress = Date()
            } else if count < 0 && (errno == EAGAIN || errno == EINTR) {
                _ = pollFor(fd, POLLOUT, milliseconds: 20)
            } else {
                break
            }
        }
        return total
    }

    /// What a bounded read found.
    struct Received {
        var data = Data()
        var eof = false
        var error: Int32?
    }

    /// Reads until `count` bytes came, end-of-file, an error or `timeout`.
    func receive(count: Int = Int.max, timeout: TimeInterval = 5) -> Received {
        var received = Received()
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while received.data.count < count {
            let wanted = min(chunk.count, count - received.data.count)
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, wanted, 0) }
            if got > 0 { received.data.append(contentsOf: chunk[..<got]); continue }
            if got == 0 { received.eof = true; break }
            let code = errno
            guard code == EAGAIN || code == EINTR else { received.error = code; break }
            let left = Int(deadline.timeIntervalSinceNow * 1000)
            if left <= 0 { break }
            _ = pollFor(fd, POLLIN, milliseconds: left)
        }
        return received
    }

    /// Reads until end-of-file (or error, or `timeout`).
    func receiveToEOF(timeout: TimeInterval = 5) -> Received { receive(timeout: timeout) }
}

/// A UDP socket on loopback, bound to `sourcePort` (0: any).
final class UDPClient {
    private(set) var fd: Int32
    let host: String

    init(_ host: String = "127.0.0.1", sourcePort: UInt16 = 0) throws {
        self.host = host
        let address = NumericAddress(host, sourcePort)
        fd = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServeHarnessError.client("socket", errno) }
        if address.withPointer({ bind(fd, $0, $1) }) != 0 {
            let code = errno
            Glibc.close(fd)
            fd = -1
            throw ServeHarnessError.client("bind \(host):\(sourcePort)", code)
        }
    }

    deinit { close() }

    /// Lets the port go (for another process to bind).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ data: Data, to port: UInt16) throws {
        let address = NumericAddress(host, port)
        let sent = data.withUnsafeBytes { bytes in address.withPointer { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) } }
        if sent != data.count { throw ServeHarnessError.client("sendto", errno) }
    }

    func send(_ text: String, to port: UInt16) throws { try send(Data(text.utf8), to: port) }

    /// The next datagram, or nil when none comes within `timeout`.
    func receive(timeout: TimeInterval) -> Data? {
        guard pollFor(fd, POLLIN, milliseconds: Int(timeout * 1000)) & Int32(POLLIN) != 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count >= 0 ? Data(buffer[..<count]) : nil
    }
}

/// Runs a real client tool (found on PATH), feeding `stdin`, killed after `limit`.
enum Tool {
    static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil, limit: TimeInterval = 10,
                    environment: [String: String] = [:]) throws -> Harness.Result {
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        let out = StreamCollector(output), err = StreamCollector(errors)
        if let stdin {
            let writer = input.fileHandleForWriting
            DispatchQueue.global().async {
                try? writer.write(contentsOf: stdin)
                try? writer.close()
            }
        }
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        out.waitForEOF(timeout: 2)
        err.waitForEOF(timeout: 2)
        return Harness.Result(status: process.terminationStatus, stdout: out.data, stderr: err.text)
    }
}

/// RFC 864's character generator pattern.
enum ChargenPattern {
    static let printable = Array(UInt8(ascii: " ")...UInt8(ascii: "~"))

    /// Line `n`: 72 of the 95 printable characters starting at offset n, then CRLF.
    static func line(_ n: Int) -> Data {
        Data((0..<72).map { printable[(n + $0) % printable.count] } + [13, 10])
    }

    /// The first `lines` lines of the stream, concatenated.
    static func stream(lines: Int) -> Data {
        (0..<lines).reduce(into: Data()) { $0.append(line($1)) }
    }
}

/// A value threads share; guard it with your own lock where they race.
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Work on its own thread whose result is taken with `join()`. The
/// semaphore is what orders the thread's writes before the reader's, so
/// ThreadSanitizer sees the hand-over (polling `Thread.isFinished` is not one).
final class Background<Value>: @unchecked Sendable {
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () -> Value) {
        Thread { [self] in
            value = work()
            done.signal()
        }.start()
    }

    func join() -> Value {
        done.wait()
        return value!
    }
}

/// `block` made this client's own by its first 8 bytes, `index` in big
/// endian: a hundred clients' payloads without a hundred random fills, which
/// are slow under TSan, and a stream that crosses into another client's
/// still shows.
func payload(from block: Data, for index: Int) -> Data {
    var payload = block
    withUnsafeBytes(of: UInt64(index).bigEndian) { payload.replaceSubrange(0..<8, with: $0) }
    return payload
}

/// Random bytes, 8 at a time.
func randomBytes(_ count: Int) -> Data {
    var bytes = Data(count: count)
    bytes.withUnsafeMutableBytes { raw in
        var index = 0
        while index + 8 <= raw.count {
            raw.storeBytes(of: UInt64.random(in: .min ... .max), toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < raw.count { raw[index] = UInt8.random(in: 0...255); index += 1 }
    }
    return bytes
}

/// Whether the whole of `text` (line ends included) matches `pattern`.
func fullMatch(_ text: String, _ pattern: String) -> Bool {
    text.range(of: #"\A(?:"# + pattern + #")\z"#, options: .regularExpression) != nil
}
