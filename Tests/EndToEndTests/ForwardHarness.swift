import Foundation
import XCTest

// Helpers for the `swnet forward` end-to-end tests: the forwarder as a
// process, refecho backends built from ../shared/bench, nginx with a
// configuration of the test's own, and clients bound to chosen loopback
// addresses.

/// `swnet --json -v forward ...` on 127.0.0.1, port 0; events are read from stdout.
func startForwarder(_ arguments: [String], listen: String = "127.0.0.1:0", launcher: [String] = [],
                    file: StaticString = #filePath, line: UInt = #line) throws -> Server {
    try Server(["--json", "-v", "forward", listen] + arguments, sockets: 1, launcher: launcher, file: file, line: line)
}

extension Server {
    /// The connection events so far.
    var connections: [[String: Any]] { events.filter { $0["event"] as? String == "connection" } }

    /// Waits (bounded) for `count` connection events and returns them all.
    func waitForConnections(_ count: Int, timeout: TimeInterval = 10) -> [[String: Any]] {
        waitForEvents(count, timeout: timeout) { $0["event"] as? String == "connection" }
        return connections
    }
}

/// The C sources shared with other projects: `SHARED_BENCH`, else
/// `../shared/bench` beside the repository (or beside its worktree folder).
enum SharedBench {
    static let folder: String? = {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [ProcessInfo.processInfo.environment["SHARED_BENCH"]].compactMap { $0 }
            + [repo.appendingPathComponent("../shared/bench").path, repo.appendingPathComponent("../../shared/bench").path]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/refecho.c") }
    }()

    /// refecho.c built with gcc -O2, once per test run.
    static let refecho: String = {
        guard let folder else { return "" }
        let binary = NSTemporaryDirectory() + "swnet-refecho-\(getpid())"
        let result = try? Tool.run("gcc", ["-O2", "-o", binary, folder + "/refecho.c"], limit: 60)
        return result?.status == 0 ? binary : ""
    }()
}

/// refecho (echo or daytime) on a free loopback port; stopped by its PID.
final class RefEcho {
    let port: UInt16
    let peer: Peer

    init(_ service: String = "echo", port: UInt16? = nil) throws {
        guard !SharedBench.refecho.isEmpty else {
            XCTFail("refecho.c not found or not built: set SHARED_BENCH to the folder holding it")
            throw PeerError.exited(["refecho"])
        }
        self.port = port ?? Harness.freePort()
        peer = try Peer(SharedBench.refecho, [service, String(self.port)])
        try peer.waitUntilListening(port: self.port, tcp: true)
    }

    func kill() {
        Glibc.kill(peer.process.processIdentifier, SIGKILL)
        peer.process.waitUntilExit()
    }
}

/// nginx in the foreground, one process, every file in its own folder,
/// serving `server` (the body of a `server { }` block, where PORT stands
/// for its free port) with `http` added to the http block.
final class NginxPeer {
    let port: UInt16
    let folder: String
    private let peer: Peer

    init(server: String, http: String = "") throws {
        folder = NSTemporaryDirectory() + "swnet-nginx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = Harness.freePort()
        let config = """
        daemon off;
        master_process off;
        pid \(folder)/nginx.pid;
        error_log \(folder)/error.log;
        events { worker_connections 1024; }
        http {
            client_body_temp_path \(folder)/body;
            proxy_temp_path \(folder)/proxy;
            fastcgi_temp_path \(folder)/fastcgi;
            uwsgi_temp_path \(folder)/uwsgi;
            scgi_temp_path \(folder)/scgi;
            access_log off;
            \(http)
            server {
                \(server.replacingOccurrences(of: "PORT", with: String(port)).replacingOccurrences(of: "FOLDER", with: folder))
            }
        }
        """
        try config.write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
        peer = try Peer("nginx", ["-p", folder, "-c", folder + "/nginx.conf", "-e", folder + "/error.log"])
        try peer.waitUntilListening(port: port, tcp: true)
    }

    func file(_ name: String) -> String { (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "" }

    /// Stops nginx before the test ends (its files stay until then).
    func stop() { peer.stop() }

    deinit {
        peer.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// One exchange from a chosen loopback address (127.0.0.0/8 is all
/// loopback, so a test can play many clients): connect, send `payload`,
/// half-close, read to end-of-file. Every wait is bounded by `timeout`.
func exchange(from source: String = "127.0.0.1", port: UInt16, _ payload: Data, timeout: TimeInterval = 10) throws -> Data {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { close(fd) }
    var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var local = Harness.loopback(port: 0)
    local.sin_addr.s_addr = inet_addr(source)
    var remote = Harness.loopback(port: port)
    let size = socklen_t(MemoryLayout<sockaddr_in>.size)
    guard withUnsafePointer(to: &local, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }) == 0 else {
        throw ServeHarnessError.client("bind \(source)", errno)
    }
    guard withUnsafePointer(to: &remote, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, size) } }) == 0 else {
        throw ServeHarnessError.client("connect 127.0.0.1:\(port)", errno)
    }
    let writer = Background {
        payload.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if count <= 0 { return }
                offset += count
            }
        }
        shutdown(fd, Int32(SHUT_WR))
    }
    var received = Data()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 { received.append(contentsOf: chunk[..<count]); continue }
        if count < 0 && errno == EINTR { continue }
        break
    }
    writer.join()
    return received
}

/// A sha256 of a file, by sha256sum.
func sha256(ofFile path: String) throws -> String {
    let result = try Tool.run("sha256sum", [path], limit: 120)
    return String(result.text.prefix(64))
}
