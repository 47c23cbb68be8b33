import Foundation
import XCTest

/// A real PostgreSQL server for the STARTTLS tests (Debian's postgresql):
/// a cluster made by `initdb` in a temporary folder and `postgres` on a
/// free loopback port, with `ssl = on` and the test certificate, stopped
/// by its PID. PostgreSQL refuses to run as root, so as root (CI) both run
/// as `nobody` (see `UnprivilegedServer`).
final class PostgresTestServer {
    let port: UInt16
    let folder: String
    private var peer: Peer?

    /// The binaries of the newest PostgreSQL installed (Debian keeps them off PATH).
    static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" }
    }()

    /// With `tls` false, `ssl = off`: the server answers SSLRequest with N.
    init(tls: Bool = true) throws {
        guard let binaries = Self.binaries else { throw TLSServerError.didNotStart(tool: "postgres", log: "no /usr/lib/postgresql/*/bin") }
        folder = try UnprivilegedServer.folder("swnet-postgres", copying: ["cert.pem": TLSFixture.localhost.chain, "key.pem": TLSFixture.localhost.key])
        let initdb = try UnprivilegedServer.start(binaries + "/initdb", ["-D", folder + "/data", "-A", "trust", "-U", "postgres", "--no-sync",
                                                                         "--no-instructions"],
                                                  log: folder + "/initdb.log", environment: ["HOME": folder, "LC_ALL": "C"])
        initdb.process.waitUntilExit()
        guard initdb.process.terminationStatus == 0 else {
            throw TLSServerError.didNotStart(tool: "initdb", log: (try? String(contentsOfFile: folder + "/initdb.log", encoding: .utf8)) ?? "")
        }
        var attempt = 0
        while true {
            attempt += 1
            let port = Harness.freePort()
            let peer = try UnprivilegedServer.start(binaries + "/postgres", [
                "-D", folder + "/data", "-p", "\(port)", "-h", "127.0.0.1", "-k", folder, "-c", "fsync=off",
                "-c", "ssl=\(tls ? "on" : "off")", "-c", "ssl_cert_file=\(folder)/cert.pem", "-c", "ssl_key_file=\(folder)/key.pem",
            ], log: folder + "/postgres.log", environment: ["LC_ALL": "C"])
            do {
                try peer.waitUntilListening(port: port, tcp: true)
                (self.port, self.peer) = (port, peer)
                return
            } catch PeerError.exited where attempt < 3 {
                continue  // the port was taken in between: try another
            } catch {
                throw TLSServerError.didNotStart(tool: "postgres", log: Self.log(folder))
            }
        }
    }

    var log: String { Self.log(folder) }

    private static func log(_ folder: String) -> String {
        (try? String(contentsOfFile: folder + "/postgres.log", encoding: .utf8)) ?? ""
    }

    func stop() {
        // SIGINT is PostgreSQL's fast shutdown; Peer.stop's SIGTERM and SIGKILL follow if it is slow.
        if let peer, peer.process.isRunning {
            kill(peer.process.processIdentifier, SIGINT)
            for _ in 0..<250 where peer.process.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        }
        peer?.stop()
        peer = nil
        try? FileManager.default.removeItem(atPath: folder)
    }

    deinit { stop() }
}
