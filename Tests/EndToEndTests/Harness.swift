import Foundation
import XCTest
import Synchronization

/// Runs the built `swnet` and real peers (socat, nc) on loopback. Every
/// process a test starts is stopped by its PID when the test ends.
enum Harness {
    /// The binary under test: `SWNET` if set, else the one beside this test bundle.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["SWNET"] { return URL(fileURLWithPath: path) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("swnet")
        }
        return URL(fileURLWithPath: ".build/debug/swnet")
    }()

    /// What a finished `swnet` run left behind.
    struct Result {
        let status: Int32
        let stdout: Data
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }

        /// stdout as one JSON object, parsed by a real JSON parser.
        func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
            let value = try JSONSerialization.jsonObject(with: stdout)
            return try XCTUnwrap(value as? [String: Any], "stdout is not a JSON object: \(text)", file: file, line: line)
        }
    }

    /// Runs swnet with `arguments`, feeding `stdin` through a pipe (nil:
    /// /dev/null), and waits at most `limit` before killing it.
    static func swnet(_ arguments: [String], stdin: Data? = nil, closeStdinAfter: TimeInterval? = nil,
                      limit: TimeInterval = 30) throws -> Result {
        // Feeding stdin to a swnet that has already exited must fail the write, not kill the test run.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = stdin == nil && closeStdinAfter == nil ? FileHandle.nullDevice : input
        try process.run()

        let group = DispatchGroup()
        let outData = Collected(), errData = Collected()
        DispatchQueue.global().async(group: group) { outData.data = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData.data = errors.fileHandleForReading.readDataToEndOfFile() }
        if stdin != nil || closeStdinAfter != nil {
            let writer = input.fileHandleForWriting
            // A thread of its own: the two readers above may hold every thread of
            // the global queue (as many as there are cores), and stdin must not wait for them.
            Thread {
                if let stdin { try? writer.write(contentsOf: stdin) }
                if let closeStdinAfter { Thread.sleep(forTimeInterval: closeStdinAfter) }
                try? writer.close()
            }.start()
        }
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        process.waitUntilExit()
        killer.cancel()
        group.wait()
        return Result(status: process.terminationStatus, stdout: outData.data, stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// A file of /proc, read to its end: `String(contentsOfFile:)` takes
    /// only the first read of a file whose size says 0, one page of
    /// /proc/net/tcp, so a listener further down the table went unseen.
    static func procText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { bytes += chunk[..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            return count == 0 ? String(decoding: bytes, as: UTF8.self) : nil
        }
    }

    /// A loopback port that nothing listens on right now, and one this run
    /// has not handed out before: the kernel may give a port just closed to
    /// the next bind, and two servers of one test must not be told the same.
    /// The ports turned down stay bound while it asks again (else the kernel
    /// could offer them once more); after 100 it takes what it is given.
    static func freePort(udp: Bool = false) -> UInt16 {
        var rejected: [Int32] = []
        defer { rejected.forEach { close($0) } }
        while true {
            let (fd, port) = boundLoopbackSocket(type: udp ? SOCK_DGRAM : SOCK_STREAM)
            if handedOut.withLock({ $0.insert(port).inserted }) || rejected.count == 100 {
                close(fd)
                return port
            }
            rejected.append(fd)
        }
    }

    private static let handedOut = Mutex<Set<UInt16>>([])

    /// A loopback TCP port that refuses connections for the whole run: a
    /// socket bound to it and never listening is kept open, so no other test
    /// or process can be handed the port (a port merely closed again, as
    /// `freePort` gives, can be bound by the next server a test starts).
    static func refusedPort() -> UInt16 {
        let (fd, port) = boundLoopbackSocket(type: SOCK_STREAM)
        heldForTheRun.withLock { $0.append(fd) }
        return port
    }

    private static let heldForTheRun = Mutex<[Int32]>([])

    /// A socket bound to 127.0.0.1 on a free port; the caller closes it.
    static func boundLoopbackSocket(type: __socket_type) -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(fd, raw, length)
                _ = getsockname(fd, raw, &length)
            }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }
}

/// Bytes a reader thread hands back; read only after the group is done.
private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// A peer process the test started; stopped by its PID.
final class Peer {
    let process = Process()

    /// Starts `tool` (found on PATH) with `arguments`; stdin and stdout are
    /// /dev/null unless given (a Pipe or a FileHandle), stderr is inherited.
    init(_ tool: String, _ arguments: [String], stdin: Any = FileHandle.nullDevice, stdout: Any = FileHandle.nullDevice,
         stderr: Any? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        if let stderr { process.standardError = stderr }
        try process.run()
    }

    /// A socat TCP listener on 127.0.0.1:`port` running `command` per connection.
    static func tcp(port: UInt16, exec command: String, host: String = "127.0.0.1") throws -> Peer {
        let family = host.contains(":") ? "TCP6" : "TCP4"
        let peer = try Peer("socat", ["\(family)-LISTEN:\(port),bind=\(host),reuseaddr,fork", "SYSTEM:\(command)"])
        try peer.waitUntilListening(port: port, tcp: true)
        return peer
    }

    /// A socat TCP listener that starts only after `delay` seconds (the
    /// shell execs socat, so the PID stays the listener's).
    static func tcpLater(port: UInt16, delay: Double, exec command: String) throws -> Peer {
        try Peer("sh", ["-c", "sleep \(delay); exec socat TCP4-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork SYSTEM:'\(command)'"])
    }

    /// A socat UDP echo on 127.0.0.1:`port`.
    static func udpEcho(port: UInt16) throws -> Peer {
        let peer = try Peer("socat", ["UDP4-RECVFROM:\(port),bind=127.0.0.1,fork", "EXEC:cat"])
        try peer.waitUntilListening(port: port, tcp: false)
        return peer
    }

    /// A server started by `start` on a free loopback TCP port. A port free
    /// when picked can be taken before the server binds it (an outgoing
    /// connection's local port comes from the same range); the server then
    /// exits at once, and another port is tried.
    static func onFreePort(_ start: (UInt16) throws -> Peer) throws -> (peer: Peer, port: UInt16) {
        var attempt = 0
        while true {
            attempt += 1
            let port = Harness.freePort()
            let peer = try start(port)
            do {
                try peer.waitUntilListening(port: port, tcp: true)
                return (peer, port)
            } catch PeerError.exited where attempt < 3 {
                continue
            }
        }
    }

    /// Polls /proc/net until the port is bound: no sleeping on a guess.
    func waitUntilListening(port: UInt16, tcp: Bool) throws {
        let hex = String(format: ":%04X ", port)
        let tables = tcp ? ["/proc/net/tcp", "/proc/net/tcp6"] : ["/proc/net/udp", "/proc/net/udp6"]
        for _ in 0..<200 {
            for table in tables {
                let lines = Harness.procText(table)?.split(separator: "\n") ?? []
                // Local address is the second column; state 0A is LISTEN (TCP), 07 is bound (UDP).
                if lines.contains(where: { line in
                    let columns = line.split(separator: " ")
                    return columns.count > 3 && (columns[1] + " ").hasSuffix(hex) && columns[3] == (tcp ? "0A" : "07")
                }) { return }
            }
            guard process.isRunning else { throw PeerError.exited(process.arguments ?? []) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTFail("nothing listens on port \(port) after 4 s")
    }

    /// SIGTERM, and SIGKILL if it is still there half a second later.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<25 where process.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

enum PeerError: Error {
    case exited([String])
}

/// A listener whose accept queue is full, so further connects get no
/// answer at all: the loopback stand-in for a filtered port.
final class BlackHole {
    let port: UInt16
    private var descriptors: [Int32] = []

    init() throws {
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        descriptors.append(listener)
        listen(listener, 0)
        self.port = port
        // Fill the queue: these connects complete (or hang) and are never accepted.
        var address = Harness.loopback(port: port)
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            descriptors.append(client)
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        Thread.sleep(forTimeInterval: 0.1)
    }

    deinit { descriptors.forEach { close($0) } }
}
