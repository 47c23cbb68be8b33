import Foundation
import XCTest

/// A real FTP server for the ftp-list tests: pyftpdlib (Debian's
/// python3-pyftpdlib, which imports only in /usr/bin/python3) on a free
/// loopback port, over a directory the test builds, stopped by its PID.
final class FTPTestServer {
    /// What the server offers for listing.
    enum Mode: String {
        /// FEAT offers MLST, MLSD works.
        case mlsd
        /// No MLSD: FEAT does not offer it and the command answers 500, so clients use LIST.
        case list
        /// FEAT offers MLST, but MLSD answers 500: a server that promises more than it does.
        case brokenMLSD = "broken-mlsd"
    }

    /// How the control connection is protected.
    enum Security {
        case plain
        /// AUTH TLS on request (explicit FTPS).
        case explicitTLS(certificate: String, key: String)
        /// TLS from the first byte (implicit FTPS, ftps://).
        case implicitTLS(certificate: String, key: String)
    }

    let port: UInt16
    /// The first of the 20 passive ports the server may use.
    let passivePorts: ClosedRange<UInt16>
    private let peer: Peer

    /// Serves `root` to anonymous (read-only) and to `anna`/`secret`, whose
    /// home is `root/sub`.
    init(root: String, mode: Mode = .mlsd, security: Security = .plain) throws {
        let first = Harness.freePort()
        passivePorts = first...(first + 19)
        var arguments = [root, mode.rawValue, "\(first)"]
        switch security {
        case .plain: break
        case .explicitTLS(let certificate, let key): arguments += ["explicit", certificate, key]
        case .implicitTLS(let certificate, let key): arguments += ["implicit", certificate, key]
        }
        (peer, port) = try Peer.onFreePort { port in try Peer("/usr/bin/python3", [FTPTestServer.script, "\(port)"] + arguments) }
    }

    var url: String { "ftp://127.0.0.1:\(port)/" }

    func stop() { peer.stop() }

    deinit { stop() }

    /// The server script, written when missing (FTPListTests removes the scratch folder when it is done).
    static var script: String {
        let directory = FTPFixture.scratch + "/server"
        let path = directory + "/ftp_server.py"
        if !FileManager.default.fileExists(atPath: path) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try! source.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return path
    }

    private static let source = #"""
    # pyftpdlib for swnet's ftp-list tests.
    # usage: ftp_server.py PORT ROOT mlsd|list|broken-mlsd PASSIVE_FIRST [explicit|implicit CERT KEY]
    import logging, os, sys, time
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.filesystems import AbstractedFS
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    port, root, mode, passive = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    tls = sys.argv[5:8] if len(sys.argv) > 5 else None
    logging.basicConfig(level=logging.ERROR)

    class LinkFS(AbstractedFS):
        # pyftpdlib's MLSD follows links; write them as ProFTPD does, so that MLSD and LIST agree.
        def format_mlsx(self, basedir, listing, perms, facts, ignore_err=True):
            for name in listing:
                path = os.path.join(basedir, name)
                if os.path.islink(path):
                    st = os.lstat(path)
                    modify = time.strftime("%Y%m%d%H%M%S", time.gmtime(st.st_mtime))
                    yield ("type=OS.unix=slink:%s;size=%d;modify=%s;perm=r;unix.mode=0777; %s\r\n"
                           % (os.readlink(path), st.st_size, modify, name)).encode("utf8")
                else:
                    yield from AbstractedFS.format_mlsx(self, basedir, [name], perms, facts, ignore_err)

    base = FTPHandler
    if tls:
        from pyftpdlib.handlers import TLS_DTPHandler, TLS_FTPHandler
        base = TLS_FTPHandler

        class DTP(TLS_DTPHandler):
            # pyftpdlib 1.5.7 closes a data connection that is readable before
            # the transfer command arrives, which is every TLS data connection
            # whose client starts the handshake at once (libcurl does; the curl
            # command fails the same way): stay readable while handshaking.
            def readable(self):
                return self._ssl_accepting or super().readable()

    class Handler(base):
        abstracted_fs = LinkFS
        auth_failed_timeout = 0
        passive_ports = range(passive, passive + 20)
        proto_cmds = dict(base.proto_cmds)
        if mode in ("list", "broken-mlsd"):
            del proto_cmds["MLSD"]
        if mode == "list":
            del proto_cmds["MLST"]
        if tls:
            certfile, keyfile = tls[1], tls[2]
            dtp_handler = DTP

    if tls and tls[0] == "implicit":
        class Handler(Handler):
            # TLS from the first byte: the greeting waits for the handshake.
            def handle(self):
                self.secure_connection(self.ssl_context)

            def handle_ssl_established(self):
                super().handle()

    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(root)
    authorizer.add_user("anna", "secret", os.path.join(root, "sub"), perm="elr")
    Handler.authorizer = authorizer
    FTPServer(("127.0.0.1", port), Handler).serve_forever()
    """#
}

/// The directory the ftp-list tests serve, built once per run:
///
///     big.bin          5 GiB, sparse (a size above 2^32)
///     café.txt         4 bytes
///     empty.txt        0 bytes
///     hello.txt        5 bytes
///     link -> hello.txt
///     old.txt          3 bytes, modified 2020-01-02T03:04:05Z
///     sub/             anna's home: inner.txt (6 bytes)
///     sub dir/
///     with space.txt   11 bytes
enum FTPFixture {
    /// Where the fixture, the server script and the certificate live;
    /// removed when the whole test run ends, since several test classes use them.
    static let scratch: String = {
        XCTestObservationCenter.shared.addTestObserver(ScratchRemover())
        return NSTemporaryDirectory() + "swnet-ftp-\(getpid())"
    }()

    private final class ScratchRemover: NSObject, XCTestObservation {
        func testBundleDidFinish(_ testBundle: Bundle) { FTPFixture.removeScratch() }
    }

    static func removeScratch() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    static let root: String = {
        let root = scratch + "/root"
        let files = FileManager.default
        try? files.removeItem(atPath: root)
        try! files.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try! files.createDirectory(atPath: root + "/sub dir", withIntermediateDirectories: true)
        for (name, contents) in [("hello.txt", "hello"), ("empty.txt", ""), ("with space.txt", "with spaces"), ("café.txt", "café"),
                                 ("old.txt", "old"), ("sub/inner.txt", "inside")] {
            try! Data(contents.utf8).write(to: URL(fileURLWithPath: root + "/" + name))
        }
        files.createFile(atPath: root + "/big.bin", contents: nil)
        let big = FileHandle(forWritingAtPath: root + "/big.bin")!
        try! big.truncate(atOffset: 5 << 30)  // sparse: no disk space taken
        try! big.close()
        try! files.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_577_934_245)], ofItemAtPath: root + "/old.txt")
        try! files.createSymbolicLink(atPath: root + "/link", withDestinationPath: "hello.txt")
        return root
    }()

    /// The entries of the root: name -> (type, size in bytes); nil where it depends on the file system.
    static let sizes: [String: Int?] = [
        "big.bin": 5 << 30, "café.txt": 5, "empty.txt": 0, "hello.txt": 5, "link": 9, "old.txt": 3,
        "sub": nil, "sub dir": nil, "with space.txt": 11,
    ]
    static let types = [
        "big.bin": "file", "café.txt": "file", "empty.txt": "file", "hello.txt": "file", "link": "link", "old.txt": "file",
        "sub": "dir", "sub dir": "dir", "with space.txt": "file",
    ]
    /// In byte order, as `--sort name` gives them.
    static let names = ["big.bin", "café.txt", "empty.txt", "hello.txt", "link", "old.txt", "sub", "sub dir", "with space.txt"]

    /// A self-signed certificate for 127.0.0.1 and localhost, made once with openssl.
    static let certificate: (certificate: String, key: String) = {
        let directory = scratch + "/tls"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (certificate, key) = (directory + "/cert.pem", directory + "/key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "2",
                             "-keyout", key, "-out", certificate]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try! openssl.run()
        openssl.waitUntilExit()
        precondition(openssl.terminationStatus == 0, "openssl req failed")
        return (certificate, key)
    }()
}
