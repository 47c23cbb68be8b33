import Foundation
import XCTest

/// A real HTTP proxy for the tests: tinyproxy in the foreground on a free
/// loopback port, asking for Basic credentials when `credentials` is given;
/// started by the test and stopped by its PID.
final class ProxyTestServer {
    let port: UInt16
    private let folder: URL
    private let peer: Peer

    /// `http://127.0.0.1:PORT`, with `user:password@` in front of the host when given.
    func url(credentials: String? = nil) -> String { "http://\(credentials.map { $0 + "@" } ?? "")127.0.0.1:\(port)" }

    init(credentials: (user: String, password: String)? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("tinyproxy.conf")
        (peer, port) = try Peer.onFreePort { port in
            var configuration = "Port \(port)\nListen 127.0.0.1\nTimeout 10\nMaxClients 20\nLogLevel Critical\n"
            if let credentials { configuration += "BasicAuth \(credentials.user) \(credentials.password)\n" }
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            return try Peer("tinyproxy", ["-d", "-c", file.path])
        }
    }

    func stop() {
        peer.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}
