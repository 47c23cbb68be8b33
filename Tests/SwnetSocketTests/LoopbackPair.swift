import Foundation
import Glibc
import SwnetSocket
import XCTest

/// A connected TCP pair on 127.0.0.1, made with the socket layer itself.
struct LoopbackPair {
    let client: Socket
    let server: Socket

    init() throws {
        let listener = try Socket(family: .v4, transport: .tcp)
        try listener.bind(to: SocketAddress(numeric: "127.0.0.1", port: 0)!)
        try listener.listen()
        let loop = try EventLoop()
        let connection = try HappyEyeballs.connect(to: [try listener.localAddress()], timeout: .seconds(5), on: loop)
        client = connection.socket
        guard try listener.wait(for: .readable, timeout: .seconds(5)), case .done(let accepted) = try listener.accept() else {
            throw LoopbackPairError.nothingToAccept
        }
        server = accepted.socket
        listener.close()
    }
}

extension LoopbackPair {
    /// A daytime server's race: the server writes `answer` and closes, then
    /// data from the client reaches the closed socket and is answered with a
    /// reset, which has come in (POLLERR) when this returns.
    func serverAnswersThenResets(_ answer: String, file: StaticString = #filePath, line: UInt = #line) {
        signal(SIGPIPE, SIG_IGN)
        Raw.write(server.descriptor, Array(answer.utf8))
        server.close()
        Thread.sleep(forTimeInterval: 0.05)                     // the server's end has arrived
        Raw.write(client.descriptor, Array("ping".utf8))        // and it answers this with a reset
        var fd = pollfd(fd: client.descriptor, events: 0, revents: 0)
        for _ in 0..<50 where fd.revents & Int16(POLLERR) == 0 { _ = poll(&fd, 1, 100) }
        XCTAssertNotEqual(fd.revents & Int16(POLLERR), 0, "the closed server did not reset the connection", file: file, line: line)
    }
}

enum LoopbackPairError: Error {
    case nothingToAccept
}

/// A Unix socketpair standing in for stdin or stdout; both ends are closed by `close()`.
final class StdioPair {
    let relaySide: Int32
    let testSide: Int32

    init() {
        var fds: [Int32] = [0, 0]
        socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        relaySide = fds[0]
        testSide = fds[1]
    }

    deinit {
        close(relaySide)
        close(testSide)
    }

    /// Closes the test's writing side: the relay reads end-of-file.
    func endInput() { shutdown(testSide, Int32(SHUT_WR)) }
}

/// Blocking helpers over raw descriptors for the test's side of things.
enum Raw {
    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count > 0 { offset += count } else if errno != EAGAIN && errno != EINTR { return } else { poll(fd, POLLOUT) }
        }
    }

    /// Reads until end-of-file.
    static func readAll(_ fd: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count > 0 { result += buffer[..<count]; continue }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { poll(fd, POLLIN); continue }
            return result
        }
    }

    private static func poll(_ fd: Int32, _ events: Int32) {
        var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
        _ = Glibc.poll(&entry, 1, 1000)
    }
}
