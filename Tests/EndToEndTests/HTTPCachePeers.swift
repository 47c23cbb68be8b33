import Foundation
import XCTest

/// An origin server in Python (`/usr/bin/python3`, standard library only)
/// for the cache tests, on a free loopback port, started by the test and
/// stopped by its PID. It logs every request per key (one line each, in
/// `KEY.log` of its root), so a test sees how many reached it and with
/// which conditional fields.
///
/// | path | answer |
/// | --- | --- |
/// | `/doc/KEY?cc=...` | the file KEY of `root`, `ETag` from its bytes, each `cc` as a Cache-Control line; 304 for a matching If-None-Match (with `odd=1`, a 304 with another ETag for any); 500 while `KEY.fail` exists |
/// | `/lang/KEY` | `lang=VALUE` of the Accept-Language sent, `Vary: Accept-Language`, `max-age=600`, an ETag per variant |
/// | `/go/KEY` | 302 to `/doc/KEY?cc=max-age%3D600` |
final class CacheOrigin {
    let port: UInt16
    let root: URL
    private var peer: Peer?

    var base: String { "http://127.0.0.1:\(port)" }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-cache-origin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let script = root.appendingPathComponent("origin.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let served = root.path
        (peer, port) = try Peer.onFreePort { port in try Peer("/usr/bin/python3", [script.path, String(port), served]) }
    }

    func stop() {
        peer?.stop()
        peer = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: root)
    }

    func serve(_ text: String, as key: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(key))
    }

    /// Makes `/doc/KEY` answer 500 (`failing`) or its file again.
    func fail(_ key: String, _ failing: Bool) throws {
        let marker = root.appendingPathComponent(key + ".fail")
        if failing { try Data().write(to: marker) } else { try? FileManager.default.removeItem(at: marker) }
    }

    /// The requests for KEY so far: `GET inm=... ims=...` lines.
    func requests(_ key: String) -> [String] {
        let text = (try? String(contentsOf: root.appendingPathComponent(key + ".log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    static let script = #"""
    import hashlib, http.server, os, sys, threading, urllib.parse

    port, root = int(sys.argv[1]), sys.argv[2]
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def record(self, key):
            with lock, open(os.path.join(root, key + ".log"), "a") as log:
                log.write("%s inm=%s ims=%s\n" % (self.command, self.headers.get("If-None-Match", "-"),
                                                  self.headers.get("If-Modified-Since", "-")))

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and status != 304:
                self.wfile.write(body)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path, _, query = self.path.partition("?")
            params = urllib.parse.parse_qs(query)
            parts = path.strip("/").split("/")
            key = parts[1] if len(parts) > 1 else ""
            self.record(key)
            if parts[0] == "doc":
                name = os.path.join(root, key)
                if os.path.exists(name + ".fail"):
                    return self.answer(500, b"broken\n", [("Content-Type", "text/plain")])
                with open(name, "rb") as f:
                    body = f.read()
                headers = [("ETag", '"%s"' % hashlib.sha1(body).hexdigest()[:16]), ("Content-Type", "text/plain")]
                headers += [("Cache-Control", value) for value in params.get("cc", [])]
            elif parts[0] == "lang":
                body = ("lang=%s\n" % self.headers.get("Accept-Language", "-")).encode()
                headers = [("ETag", '"%s"' % hashlib.sha1(body).hexdigest()[:16]), ("Vary", "Accept-Language"),
                           ("Cache-Control", "max-age=600")]
            elif parts[0] == "go":
                return self.answer(302, b"moved\n", [("Location", "/doc/%s?cc=max-age%%3D600" % key)])
            else:
                return self.answer(404, b"no such case\n")
            if "odd" in params and self.headers.get("If-None-Match"):
                return self.answer(304, b"", [("ETag", '"another"')])
            if self.headers.get("If-None-Match") == headers[0][1]:
                return self.answer(304, b"", headers)
            self.answer(200, body, headers)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()
    """#
}

/// nginx serving `www` of its folder under the cache cases, each a
/// location: `/fresh/` (`expires 1h`), `/etag/` (ETag, no Last-Modified,
/// so a 304 can only come from If-None-Match), `/modified/` (no
/// ETag: Last-Modified only), `/nostore/` and `/nocache/` (`expires 1h`
/// and `no-cache`), `/gzip/` (`expires 1h`, sent gzip-encoded). It logs
/// each request with its conditional fields.
final class CacheNginx {
    let nginx: NginxPeer
    var base: String { "http://127.0.0.1:\(nginx.port)" }
    var www: String { nginx.folder + "/www" }

    init() throws {
        nginx = try NginxPeer(server: """
            listen 127.0.0.1:PORT;
            access_log FOLDER/access.log cache;
            root FOLDER/www;
            location /fresh/ { alias FOLDER/www/; expires 1h; }
            location /etag/ { alias FOLDER/www/; add_header Last-Modified ""; }
            location /modified/ { alias FOLDER/www/; etag off; }
            location /nostore/ { alias FOLDER/www/; add_header Cache-Control no-store; }
            location /nocache/ { alias FOLDER/www/; expires 1h; add_header Cache-Control no-cache; }
            location /gzip/ { alias FOLDER/www/; expires 1h; gzip on; gzip_min_length 1; gzip_types text/plain application/octet-stream; }
            """, http: #"log_format cache '$request_method $uri $status inm=$http_if_none_match ims=$http_if_modified_since';"#)
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
    }

    func serve(_ data: Data, as name: String) throws {
        try data.write(to: URL(fileURLWithPath: www + "/" + name))
    }

    /// The requests nginx has logged for paths ending in `name`.
    func requests(_ name: String) -> [String] {
        nginx.file("access.log").split(separator: "\n").map(String.init).filter { $0.split(separator: " ")[1].hasSuffix("/" + name) }
    }
}

/// Runs the built swnet with variables added to (or, with nil, removed
/// from) the environment, at most `limit` seconds.
func swnetWithEnvironment(_ arguments: [String], _ environment: [String: String?] = [:], limit: TimeInterval = 30) throws -> Harness.Result {
    let process = Process()
    process.executableURL = Harness.binary
    process.arguments = arguments
    var variables = ProcessInfo.processInfo.environment
    for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "SWNET_CACHE"] { variables[name] = nil }
    for (name, value) in environment { variables[name] = value }
    process.environment = variables
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let group = DispatchGroup()
    let out = Received(), err = Received()
    DispatchQueue.global().async(group: group) { out.set(output.fileHandleForReading.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { err.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
    process.waitUntilExit()
    killer.cancel()
    group.wait()
    return Harness.Result(status: process.terminationStatus, stdout: out.get(), stderr: String(decoding: err.get(), as: UTF8.self))
}

/// Bytes a reader thread hands over, behind a lock.
private final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// A tmpfs mounted on a new folder (tests run as root in CI; root ignores
/// permission bits, so only a read-only or full file system really refuses
/// it); nil when this machine does not let the test mount one.
final class SmallFileSystem {
    let path: String
    private var mounted = false

    init?(size: String, readOnly: Bool) {
        path = NSTemporaryDirectory() + "swnet-cache-tmpfs-\(UUID().uuidString)"
        guard (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil else { return nil }
        guard Self.run(["mount", "-t", "tmpfs", "-o", "size=\(size)\(readOnly ? ",ro" : "")", "tmpfs", path]) else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
        mounted = true
    }

    deinit {
        if mounted { _ = Self.run(["umount", path]) }
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
