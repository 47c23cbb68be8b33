import Glibc
import SwnetCore
import SwnetSocket
import SwnetTLS
import XCTest

/// A client and a server session over a loopback TCP pair, in one process:
/// the handshake, the pin, half-close and an end without close_notify.
final class TLSSessionTests: XCTestCase {
    private var listener: Socket!
    private var client: Socket!
    private var server: Socket!

    override func setUpWithError() throws {
        signal(SIGPIPE, SIG_IGN)                                // as swnet does: a write to a closed peer is an error, not a death
        listener = try Socket(family: .v4, transport: .tcp)
        try listener.bind(to: SocketAddress(numeric: "127.0.0.1", port: 0)!)
        try listener.listen()
        let loop = try EventLoop()
        client = try HappyEyeballs.connect(to: [try listener.localAddress()], timeout: .seconds(5), on: loop).socket
        XCTAssertTrue(try listener.wait(for: .readable, timeout: .seconds(5)))
        guard case .done(let accepted) = try listener.accept() else { return XCTFail("nothing to accept") }
        server = accepted.socket
    }

    /// Steps both handshakes until both are done (bounded: 5 s).
    private func handshake(_ a: TLSSession, _ b: TLSSession) throws {
        let deadline = MonotonicClock.now + .seconds(5)
        var aDone = false, bDone = false
        while !(aDone && bDone) {
            XCTAssertLessThan(MonotonicClock.now, deadline, "the handshake did not finish")
            if MonotonicClock.now >= deadline { return }
            if !aDone { aDone = try a.handshakeStep() == nil }
            if !bDone { bDone = try b.handshakeStep() == nil }
            var fds = [pollfd(fd: a.descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: b.descriptor, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 10)
        }
    }

    private func sessions(pin: KeyPin? = nil) throws -> (client: TLSSession, server: TLSSession, identity: TLSContext) {
        let serverContext = try TLSContext(TLSConfiguration(role: .server))
        var configuration = TLSConfiguration(role: .client)
        configuration.insecure = true
        configuration.pin = pin
        let clientContext = try TLSContext(configuration)
        return (try TLSSession(context: clientContext, descriptor: client.descriptor, host: "localhost"),
                try TLSSession(context: serverContext, descriptor: server.descriptor), serverContext)
    }

    /// Reads until `count` bytes or the end (bounded: 5 s).
    private func read(_ session: TLSSession, count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = MonotonicClock.now + .seconds(5)
        while result.count < count && MonotonicClock.now < deadline {
            switch try buffer.withUnsafeMutableBytes({ try session.read(into: $0) }) {
            case .done(0): return result
            case .done(let n): result += buffer[..<n]
            case .wouldBlock:
                var fd = pollfd(fd: session.descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, 100)
            }
        }
        return result
    }

    func testSelfSignedServerIsReportedUnverifiedAndItsPinMatches() throws {
        let (client, server, identity) = try sessions()
        try handshake(client, server)
        XCTAssertFalse(client.info.verified)
        XCTAssertEqual(client.info.verifyFailure, "self-signed certificate")
        XCTAssertEqual(client.peerLeaf.map(CertificateSummary.init)?.sha256, identity.selfSigned?.fingerprint)
        XCTAssertEqual(client.peerLeaf.map(Fingerprint.keyPin(of:)), identity.selfSigned?.keyPin)
        XCTAssertEqual(client.peerLeaf.map(CertificateSummary.init)?.subject, "O=swnet self-signed,CN=localhost")
    }

    func testAWrongPinFailsEvenUnverified() throws {
        let (client, server, _) = try sessions(pin: KeyPin(base64: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
        XCTAssertThrowsError(try handshake(client, server)) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .tls)
            XCTAssertTrue("\(error)".contains("does not match --pin"), "\(error)")
        }
    }

    func testHalfCloseSendsCloseNotifyAndTheAnswerStillArrives() throws {
        let (client, server, _) = try sessions()
        try handshake(client, server)
        _ = try Array("question".utf8).withUnsafeBytes { try client.write(from: $0) }
        try client.shutdownWrite()
        XCTAssertEqual(try read(server, count: 100), Array("question".utf8))
        XCTAssertTrue(server.closedWithNotify)
        _ = try Array("answer".utf8).withUnsafeBytes { try server.write(from: $0) }
        server.close()
        XCTAssertEqual(try read(client, count: 100), Array("answer".utf8))
        XCTAssertTrue(client.closedWithNotify)
        XCTAssertFalse(client.closedWithoutNotify)
    }

    func testAnEndWithoutCloseNotifyIsTold() throws {
        let (client, server, _) = try sessions()
        try handshake(client, server)
        _ = try Array("partial".utf8).withUnsafeBytes { try server.write(from: $0) }
        self.server.close()                                     // TCP closed, no close_notify
        XCTAssertEqual(try read(client, count: 100), Array("partial".utf8))
        XCTAssertTrue(client.closedWithoutNotify)
        XCTAssertFalse(client.closedWithNotify)
    }

    /// The race of a server that answers and leaves at once (daytime):
    /// our data reached it after it closed, so its reset is in before our
    /// close_notify goes out. The answer is still read, and the end is clean.
    func testAHalfCloseAfterThePeersResetStillReadsItsAnswer() throws {
        let (client, server, _) = try sessions()
        try handshake(client, server)
        _ = try Array("answer".utf8).withUnsafeBytes { try server.write(from: $0) }
        server.close()
        self.server.close()                                     // close_notify, then TCP closed
        _ = try Array("ping".utf8).withUnsafeBytes { try client.write(from: $0) }
        var fd = pollfd(fd: client.descriptor, events: 0, revents: 0)
        for _ in 0..<50 where fd.revents & Int16(POLLERR) == 0 { _ = poll(&fd, 1, 100) }  // the reset has come in
        XCTAssertNotEqual(fd.revents & Int16(POLLERR), 0, "the closed server did not reset the connection")

        var options = RelayOptions()
        options.preset = []                                     // nothing to send: the half-close comes first
        let stdout = socketPair()
        defer { stdout.forEach { Glibc.close($0) } }
        let summary = try Relay(stream: client, peer: "test", output: stdout[0], options: options, loop: try EventLoop()).run()
        XCTAssertEqual(summary.end, .peerClosed)
        XCTAssertTrue(client.closedWithNotify)
        var buffer = [UInt8](repeating: 0, count: 100)
        XCTAssertEqual(Array(buffer[..<max(0, Glibc.read(stdout[1], &buffer, 100))]), Array("answer".utf8))
    }

    private func socketPair() -> [Int32] {
        var fds: [Int32] = [-1, -1]
        socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        return fds
    }
}
