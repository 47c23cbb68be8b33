import Foundation
import XCTest

/// A real IMAP and POP3 server for the STARTTLS tests: dovecot (Debian's
/// dovecot-imapd and dovecot-pop3d) with its own configuration in a
/// temporary folder — listeners on free loopback ports, its runtime
/// directory, state and log there too — run unprivileged (see
/// `UnprivilegedServer`) in the foreground (`-F`) and stopped by its PID.
///
/// Running dovecot without root takes: every service and the login
/// processes as the one user (`default_internal_user`,
/// `default_login_user`), no chroot for the login and anvil services, and
/// a static user database whose uid is that user.
final class DovecotTestServer {
    let imapPort: UInt16
    let pop3Port: UInt16
    let folder: String
    private var peer: Peer?

    /// With `tls` false, `ssl = no`: STARTTLS is refused.
    init(tls: Bool = true) throws {
        folder = try UnprivilegedServer.folder("swnet-dovecot", copying: ["cert.pem": TLSFixture.localhost.chain, "key.pem": TLSFixture.localhost.key])
        var attempt = 0
        while true {
            attempt += 1
            let (imap, pop3) = (Harness.freePort(), Harness.freePort())
            try Self.configuration(folder: folder, imap: imap, pop3: pop3, tls: tls)
                .write(toFile: folder + "/dovecot.conf", atomically: true, encoding: .utf8)
            try UnprivilegedServer.giveAway(folder)
            let peer = try UnprivilegedServer.start("dovecot", ["-F", "-c", folder + "/dovecot.conf"], log: folder + "/stderr.log")
            do {
                try peer.waitUntilListening(port: imap, tcp: true)
                try peer.waitUntilListening(port: pop3, tcp: true)
                (imapPort, pop3Port, self.peer) = (imap, pop3, peer)
                return
            } catch PeerError.exited where attempt < 3 {
                continue  // a port was taken in between: try others
            } catch {
                throw TLSServerError.didNotStart(tool: "dovecot", log: Self.log(folder))
            }
        }
    }

    /// What dovecot logged.
    var log: String { Self.log(folder) }

    private static func log(_ folder: String) -> String {
        ["stderr.log", "dovecot.log"].map { (try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) ?? "" }.joined()
    }

    func stop() {
        peer?.stop()
        peer = nil
        try? FileManager.default.removeItem(atPath: folder)
    }

    deinit { stop() }

    private static func configuration(folder: String, imap: UInt16, pop3: UInt16, tls: Bool) -> String {
        """
        protocols = imap pop3
        listen = 127.0.0.1
        base_dir = \(folder)/run
        state_dir = \(folder)/state
        log_path = \(folder)/dovecot.log
        default_internal_user = \(UnprivilegedServer.userName)
        default_internal_group = \(UnprivilegedServer.groupName)
        default_login_user = \(UnprivilegedServer.userName)
        ssl = \(tls ? "yes" : "no")
        ssl_cert = <\(folder)/cert.pem
        ssl_key = <\(folder)/key.pem
        auth_mechanisms = plain
        passdb {
          driver = static
          args = password=secret
        }
        userdb {
          driver = static
          args = uid=\(UnprivilegedServer.uid) gid=\(UnprivilegedServer.gid) home=\(folder)/home
        }
        mail_location = maildir:~/Maildir
        service anvil {
          chroot =
        }
        service imap-login {
          chroot =
          inet_listener imap {
            port = \(imap)
          }
          inet_listener imaps {
            port = 0
          }
        }
        service pop3-login {
          chroot =
          inet_listener pop3 {
            port = \(pop3)
          }
          inet_listener pop3s {
            port = 0
          }
        }
        """
    }
}
