import Foundation
import XCTest

/// A real TLS server on a free loopback port, started by the test and
/// stopped by its PID: `openssl s_server`, `socat OPENSSL-LISTEN`,
/// `ncat --ssl -l` or nginx. Its stdout and stderr go to files in its own
/// temporary folder (s_server -quiet prints there what it received).
final class TLSServer {
    let port: UInt16
    /// `127.0.0.1:PORT`, as swnet takes it.
    var address: String { "127.0.0.1:\(port)" }
    let folder: String
    private let peer: Peer
    private let input = Pipe()

    /// Starts the server `command(port)` builds, on a free port; when the
    /// port was taken between choosing and binding it, tries another.
    private init(_ tool: String, _ command: (UInt16, String) -> [String]) throws {
        folder = NSTemporaryDirectory() + "swnet-tls-peer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var attempt = 0
        while true {
            attempt += 1
            let port = Harness.freePort()
            _ = FileManager.default.createFile(atPath: folder + "/stdout", contents: nil)
            _ = FileManager.default.createFile(atPath: folder + "/stderr", contents: nil)
            let peer = try Peer(tool, command(port, folder), stdin: input,
                                stdout: FileHandle(forWritingAtPath: folder + "/stdout")!,
                                stderr: FileHandle(forWritingAtPath: folder + "/stderr")!)
            do {
                try peer.waitUntilListening(port: port, tcp: true)
                // The port listening is not proof that this server holds it.
                Thread.sleep(forTimeInterval: 0.05)
                guard peer.process.isRunning else { throw PeerError.exited(peer.process.arguments ?? []) }
                (self.port, self.peer) = (port, peer)
                return
            } catch PeerError.exited where attempt < 3 {
                continue
            } catch {
                let log = (try? String(contentsOfFile: folder + "/stderr", encoding: .utf8)) ?? ""
                throw TLSServerError.didNotStart(tool: tool, log: log)
            }
        }
    }

    /// What the server wrote on stdout so far.
    var output: String { (try? String(contentsOfFile: folder + "/stdout", encoding: .utf8)) ?? "" }
    /// What it wrote on stderr (nginx: its error log) so far.
    var log: String {
        let error = (try? String(contentsOfFile: folder + "/error.log", encoding: .utf8)) ?? ""
        return ((try? String(contentsOfFile: folder + "/stderr", encoding: .utf8)) ?? "") + error
    }

    /// Writes `text` to the server's stdin: s_server sends it to the client.
    func send(_ text: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    /// Waits (at most `limit` seconds) until stdout contains `text`.
    @discardableResult
    func waitForOutput(_ text: String, limit: TimeInterval = 10) -> Bool {
        let deadline = Date() + limit
        while Date() < deadline {
            if output.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func stop() {
        peer.stop()
        try? input.fileHandleForWriting.close()
        try? FileManager.default.removeItem(atPath: folder)
    }

    deinit { stop() }

    // MARK: The servers

    /// `openssl s_server -quiet`: one client at a time, for ever; prints what
    /// the client sends and sends what `send` writes (stdin stays open: at
    /// end of stdin s_server would stop). `options` adds s_server's own, e.g.
    /// `["-Verify", "1", "-CAfile", TLSFixture.root]` (require a client
    /// certificate), `["-alpn", "h2,http/1.1"]`, `["-rev"]` (answer each
    /// line reversed), `["-status_file", TLSFixture.localhostOCSP]`,
    /// `["-tls1_2"]`. `directory` is where it runs: what `-WWW` serves.
    static func sServer(_ identity: TLSFixture.Identity = TLSFixture.localhost, options: [String] = [],
                        directory: String? = nil) throws -> TLSServer {
        let arguments = { (port: UInt16) in
            ["s_server", "-accept", "127.0.0.1:\(port)", "-quiet", "-cert", identity.certificate, "-key", identity.key,
             "-cert_chain", TLSFixture.intermediate] + options
        }
        guard let directory else { return try TLSServer("openssl") { port, _ in arguments(port) } }
        // The shell execs openssl, so the PID stays the server's.
        return try TLSServer("sh") { port, _ in ["-c", #"cd "$0" && exec openssl "$@""#, directory] + arguments(port) }
    }

    /// `socat OPENSSL-LISTEN ... PIPE`: an echo, a process per client.
    /// With `clientCA`, a client certificate signed by it is required.
    static func socatEcho(_ identity: TLSFixture.Identity = TLSFixture.localhost, clientCA: String? = nil) throws -> TLSServer {
        try socat(identity, clientCA: clientCA, "PIPE")
    }

    /// `socat OPENSSL-LISTEN ... SYSTEM:command`, a shell command per
    /// client: `"wc -c"` reads to end of file, then answers.
    static func socat(_ identity: TLSFixture.Identity = TLSFixture.localhost, clientCA: String? = nil, exec command: String) throws -> TLSServer {
        try socat(identity, clientCA: clientCA, "SYSTEM:\(command)")
    }

    private static func socat(_ identity: TLSFixture.Identity, clientCA: String?, _ target: String) throws -> TLSServer {
        let verify = clientCA.map { "verify=1,cafile=\($0)" } ?? "verify=0"
        return try TLSServer("socat") { port, _ in
            ["OPENSSL-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork,cert=\(identity.chain),key=\(identity.key),\(verify)", target]
        }
    }

    /// `ncat --ssl -l -k`, running `exec` (a program and its arguments; by
    /// default /bin/cat, an echo) per client.
    static func ncat(_ identity: TLSFixture.Identity = TLSFixture.localhost, exec: String = "/bin/cat") throws -> TLSServer {
        try TLSServer("ncat") { port, _ in
            ["--ssl", "--ssl-cert", identity.chain, "--ssl-key", identity.key, "-l", "127.0.0.1", "\(port)", "-k", "--exec", exec]
        }
    }

    /// nginx over TLS on 127.0.0.1 and ::1, presenting `identity`'s chain
    /// (leaf and intermediate) and answering every request `200 hello`.
    /// It runs in the foreground as one process (`daemon off`,
    /// `master_process off`), so its PID is the one to stop, and keeps every
    /// file — pid, error log, temporary paths — in its own folder.
    /// `stapling` names the OCSP answer to staple (`TLSFixture.localhostOCSP`); `http2` offers h2 by ALPN.
    static func nginx(_ identity: TLSFixture.Identity = TLSFixture.localhost, stapling: String? = nil, http2: Bool = false,
                      hosts: [String] = ["127.0.0.1", "[::1]"]) throws -> TLSServer {
        try TLSServer("nginx") { port, folder in
            let listen = hosts.map { "        listen \($0):\(port) ssl\(http2 ? " http2" : "");" }.joined(separator: "\n")
            let config = """
            daemon off;
            master_process off;
            pid \(folder)/nginx.pid;
            error_log \(folder)/error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(folder)/body;
                proxy_temp_path \(folder)/proxy;
                fastcgi_temp_path \(folder)/fastcgi;
                uwsgi_temp_path \(folder)/uwsgi;
                scgi_temp_path \(folder)/scgi;
                server {
            \(listen)
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate \(identity.chain);
                    ssl_certificate_key \(identity.key);
            \(stapling.map { "        ssl_stapling on;\n        ssl_stapling_file \($0);" } ?? "")
                    location / { return 200 "hello\\n"; }
                }
            }
            """
            try! config.write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
            return ["-p", folder, "-c", folder + "/nginx.conf", "-e", folder + "/error.log"]
        }
    }
}

enum TLSServerError: Error, CustomStringConvertible {
    case didNotStart(tool: String, log: String)

    var description: String {
        switch self {
        case .didNotStart(let tool, let log): return "\(tool) did not start: \(log)"
        }
    }
}
