import Foundation
import XCTest

/// A small HTTP/1.1 server in Python (`/usr/bin/python3`, standard library
/// only) on a free loopback port, serving the cases the http-get tests
/// need; started by the test and stopped by its PID. With a certificate and
/// key it serves HTTPS through Python's `ssl` module.
///
/// Each case is a path, and the server answers it the same way every time
/// (except `/flaky`, which counts):
///
/// | path | answer |
/// | --- | --- |
/// | `/hello` | 200 `hello\n` (text/plain) |
/// | `/status/N` | status N, body `status N\n` (none for 204 and 304) |
/// | `/redirect/N` | 302 to `/redirect/N-1` with body `moving\n`; `/redirect/0` is 200 `landed\n` |
/// | `/loop` | 302 to `/loop`, for ever |
/// | `/gzip` | `Content-Encoding: gzip`, decoding to 100 lines `decoded line\n` |
/// | `/echo-headers` | 200, the request's header lines as the body |
/// | `/auth` | 200 `welcome anna\n` for Basic anna:secret, else 401 |
/// | `/file/NAME` | the file NAME of `root`, with `Range: bytes=N-` (206, 416); `?norange=1` ignores Range |
/// | `/stall/NAME?after=N` | like `/file/NAME`, but a request without Range gets N bytes and then silence |
/// | `/flaky/KEY?fails=N&after=S\|date` | 503 the first N times for KEY (with `Retry-After: S` or a date S s ahead), then 200 `finally\n` |
/// | `/times/KEY` | when KEY's requests arrived, one Unix time a line |
/// | `/sleep/MS` | 200 `slept MS\n` after MS milliseconds |
/// | `/connections` | how many connections the server has accepted so far |
final class HTTPTestServer {
    let port: UInt16
    /// The folder `/file/NAME` serves; the test writes files there.
    let root: URL
    let scheme: String
    private let folder: URL
    private var peer: Peer?

    /// `http://127.0.0.1:PORT` (or `https://localhost:PORT`).
    var base: String { scheme == "https" ? "https://localhost:\(port)" : "http://127.0.0.1:\(port)" }

    func url(_ path: String) -> String { base + path }

    init(certificate: String? = nil, key: String? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-http-\(UUID().uuidString)")
        root = folder.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("server.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        scheme = certificate == nil ? "http" : "https"
        let served = root.path
        (peer, port) = try Peer.onFreePort { port in
            var arguments = [script.path, String(port), served]
            if let certificate, let key { arguments += [certificate, key] }
            return try Peer("/usr/bin/python3", arguments)
        }
    }

    func stop() {
        peer?.stop()
        peer = nil
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }

    /// Writes `data` as `/file/NAME`.
    func serve(_ data: Data, as name: String) throws {
        try data.write(to: root.appendingPathComponent(name))
    }

    /// A plain GET through Python's own client (not swnet): for the counters.
    func fetch(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())",
                             "http://127.0.0.1:\(port)\(path)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A self-signed certificate for localhost and 127.0.0.1, made with
    /// `openssl req -x509` in `folder`: (certificate, key) paths.
    static func makeCertificate(in folder: URL) throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl req failed")
        return (certificate, key)
    }

    static let script = #"""
    import base64, email.utils, gzip, http.server, os, ssl, sys, threading, time

    port, root = int(sys.argv[1]), sys.argv[2]
    lock = threading.Lock()
    counts, times, connections = {}, {}, [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def setup(self):
            super().setup()
            with lock:
                connections[0] += 1

        def log_message(self, *args):
            pass

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if status not in (204, 304):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and status not in (204, 304):
                self.wfile.write(body)

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            path, _, query = self.path.partition("?")
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            parts = path.strip("/").split("/")
            text = [("Content-Type", "text/plain")]
            if path == "/hello":
                self.answer(200, b"hello\n", text)
            elif parts[0] == "status":
                status = int(parts[1])
                self.answer(status, b"status %d\n" % status, text)
            elif parts[0] == "redirect":
                n = int(parts[1])
                if n == 0:
                    self.answer(200, b"landed\n", text)
                else:
                    self.answer(302, b"moving\n", text + [("Location", "/redirect/%d" % (n - 1))])
            elif path == "/loop":
                self.answer(302, b"again\n", text + [("Location", "/loop")])
            elif path == "/gzip":
                self.answer(200, gzip.compress(b"decoded line\n" * 100), text + [("Content-Encoding", "gzip")])
            elif path == "/echo-headers":
                lines = "".join("%s: %s\n" % (k, v) for k, v in self.headers.items())
                self.answer(200, lines.encode(), text)
            elif path == "/auth":
                expected = "Basic " + base64.b64encode(b"anna:secret").decode()
                if self.headers.get("Authorization") == expected:
                    self.answer(200, b"welcome anna\n", text)
                else:
                    self.answer(401, b"who are you?\n", text + [("WWW-Authenticate", 'Basic realm="test"')])
            elif parts[0] == "file":
                self.send_file(os.path.join(root, parts[1]), params.get("norange") != "1")
            elif parts[0] == "stall":
                stall = None if "Range" in self.headers else int(params.get("after", "0"))
                self.send_file(os.path.join(root, parts[1]), True, stall)
            elif parts[0] == "flaky":
                key = parts[1]
                with lock:
                    counts[key] = counts.get(key, 0) + 1
                    times.setdefault(key, []).append(time.time())
                    n = counts[key]
                if n <= int(params.get("fails", "2")):
                    after = params.get("after")
                    headers = list(text)
                    if after == "date":
                        headers.append(("Retry-After", email.utils.formatdate(time.time() + 2, usegmt=True)))
                    elif after:
                        headers.append(("Retry-After", after))
                    self.answer(503, b"try later\n", headers)
                else:
                    self.answer(200, b"finally\n", text)
            elif parts[0] == "times":
                with lock:
                    body = "".join("%.3f\n" % t for t in times.get(parts[1], []))
                self.answer(200, body.encode(), text)
            elif parts[0] == "sleep":
                time.sleep(int(parts[1]) / 1000)
                self.answer(200, b"slept %s\n" % parts[1].encode(), text)
            elif path == "/connections":
                with lock:
                    body = b"%d\n" % connections[0]
                self.answer(200, body, text)
            else:
                self.answer(404, b"no such case\n", text)

        def send_file(self, name, ranges, stall=None):
            try:
                size = os.path.getsize(name)
            except OSError:
                self.answer(404, b"no such file\n")
                return
            start, status = 0, 200
            wanted = self.headers.get("Range", "")
            if ranges and wanted.startswith("bytes=") and wanted.endswith("-"):
                start = int(wanted[6:-1])
                if start >= size:
                    self.answer(416, b"", [("Content-Range", "bytes */%d" % size)])
                    return
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size - start))
            if status == 206:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
            self.end_headers()
            if self.command == "HEAD":
                return
            with open(name, "rb") as f:
                f.seek(start)
                if stall is not None:
                    self.wfile.write(f.read(stall))
                    self.wfile.flush()
                    time.sleep(30)
                    return
                while True:
                    chunk = f.read(1 << 16)
                    if not chunk:
                        break
                    self.wfile.write(chunk)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if len(sys.argv) > 4:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
    """#
}
