import Foundation
import XCTest

/// Many raw TCP clients on non-blocking sockets, driven by poll(2) from the
/// test's thread: hundreds or thousands of hostile clients without a thread
/// each. Every wait is bounded by a deadline.
final class ClientCrowd {
    private(set) var fds: [Int32] = []
    var count: Int { fds.count }

    /// Connects `count` clients to `host`:`port`, `batch` at a time so the
    /// listen backlog is not what is tested, each batch within `timeout`.
    /// `receiveBuffer` and `sendBuffer` shrink SO_RCVBUF and SO_SNDBUF first.
    init(_ count: Int, to port: UInt16, host: String = "127.0.0.1", receiveBuffer: Int32? = nil, sendBuffer: Int32? = nil,
         batch: Int = 250, timeout: TimeInterval = 20) throws {
        OpenFiles.raiseToHardLimit()
        let address = NumericAddress(host, port)
        var started = 0
        while started < count {
            let wave = min(batch, count - started)
            var pending: [Int32] = []
            for _ in 0..<wave {
                let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else { throw ServeHarnessError.client("socket (client \(fds.count))", errno) }
                fds.append(fd)
                if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
                if var size = sendBuffer { setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
                if address.withPointer({ connect(fd, $0, $1) }) == 0 { continue }
                guard errno == EINPROGRESS else { throw ServeHarnessError.client("connect (client \(fds.count))", errno) }
                pending.append(fd)
            }
            let deadline = Date().addingTimeInterval(timeout)
            while !pending.isEmpty {
                let left = Int(deadline.timeIntervalSinceNow * 1000)
                guard left > 0 else { throw ServeHarnessError.client("connect (\(pending.count) clients of a wave)", ETIMEDOUT) }
                var polls = pending.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
                if poll(&polls, nfds_t(polls.count), Int32(min(left, 200))) < 0 && errno != EINTR { throw ServeHarnessError.client("poll", errno) }
                var still: [Int32] = []
                for entry in polls {
                    guard entry.revents != 0 else { still.append(entry.fd); continue }
                    var code: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &code, &length)
                    if code != 0 { throw ServeHarnessError.client("connect (client fd \(entry.fd))", code) }
                }
                pending = still
            }
            started += wave
        }
    }

    deinit { close() }

    /// Sends `data` on every client; each send must fit in the socket's
    /// buffer at once (a few bytes). Returns how many clients took all of it.
    @discardableResult
    func sendEach(_ data: Data) -> Int {
        var complete = 0
        for fd in fds {
            let sent = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent == data.count { complete += 1 }
        }
        return complete
    }

    /// Sends `text` (a few bytes) on every client and returns how many got
    /// exactly it back within `timeout`: an echo server's proof of life.
    func echoes(_ text: String, timeout: TimeInterval = 20) -> Int {
        let data = Data(text.utf8)
        sendEach(data)
        return receive(count: data.count, timeout: timeout).filter { $0.data == data }.count
    }

    /// Writes `chunk` repeatedly on every client, never reading, until each
    /// has sent `limit` bytes or none made progress for `quiet` seconds, or
    /// `timeout` passed. Returns the bytes each client's kernel took.
    func pushUntilBlocked(chunk: Data, limit: Int, quiet: TimeInterval, timeout: TimeInterval) -> [Int] {
        var sent = [Int](repeating: 0, count: fds.count)
        var lastProgress = Date()
        let deadline = Date().addingTimeInterval(timeout)
        var open = Set(fds.indices)
        while !open.isEmpty && Date().timeIntervalSince(lastProgress) < quiet && Date() < deadline {
            var polls = open.map { pollfd(fd: fds[$0], events: Int16(POLLOUT), revents: 0) }
            let indices = Array(open)
            _ = poll(&polls, nfds_t(polls.count), 50)
            for (slot, entry) in polls.enumerated() where entry.revents != 0 {
                let index = indices[slot]
                let count = chunk.withUnsafeBytes { Glibc.send(entry.fd, $0.baseAddress, min($0.count, limit - sent[index]), Int32(MSG_NOSIGNAL)) }
                if count > 0 {
                    sent[index] += count
                    lastProgress = Date()
                } else if count < 0 && errno != EAGAIN && errno != EINTR {
                    open.remove(index)          // reset or closed by the server
                }
                if sent[index] >= limit { open.remove(index) }
            }
        }
        return sent
    }

    /// What each client received within `timeout`: until `count` bytes
    /// came, end-of-file, or an error (`ECONNRESET` and the like).
    struct Received {
        var data = Data()
        var eof = false
        var error: Int32?
    }

    func receive(count: Int, timeout: TimeInterval) -> [Received] {
        var received = [Received](repeating: Received(), count: fds.count)
        var open = Set(fds.indices)
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            let left = Int(deadline.timeIntervalSinceNow * 1000)
            if left <= 0 { break }
            let indices = Array(open)
            var polls = indices.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            _ = poll(&polls, nfds_t(polls.count), Int32(min(left, 100)))
            for (slot, entry) in polls.enumerated() where entry.revents != 0 {
                let index = indices[slot]
                let wanted = min(chunk.count, count - received[index].data.count)
                let got = chunk.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, wanted, Int32(MSG_DONTWAIT)) }
                if got > 0 {
                    received[index].data.append(contentsOf: chunk[..<got])
                    if received[index].data.count >= count { open.remove(index) }
                } else if got == 0 {
                    received[index].eof = true
                    open.remove(index)
                } else if errno != EAGAIN && errno != EINTR {
                    received[index].error = errno
                    open.remove(index)
                }
            }
        }
        return received
    }

    /// Closes every client with SO_LINGER 0: a reset instead of a FIN, data
    /// in flight thrown away.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        for fd in fds {
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            Glibc.close(fd)
        }
        fds = []
    }

    func close() {
        fds.forEach { Glibc.close($0) }
        fds = []
    }
}

/// The sanitizer the binaries under test carry (`scripts/sanitize` sets
/// `SWNET_SANITIZER`): shadow memory and redzones make them bigger.
enum Sanitizer {
    /// Memory bounds scale by this. Seen for serve's 500 non-readers: 65 KiB
    /// a connection plain, 85-94 under ASan, 201 under TSan.
    static let memoryScale: Int = {
        switch ProcessInfo.processInfo.environment["SWNET_SANITIZER"] {
        case "address": return 2
        case "thread": return 4
        default: return 1
        }
    }()
}

/// The indices of `clients` whose echo of `data` came back within the first
/// `window` seconds, or, when fewer than `atLeast` had by then, as soon as
/// that many had, waiting at most `patience` seconds longer.
func echoedEarly(_ clients: [TCPClient], _ data: Data, window: TimeInterval = 0.5, atLeast: Int = 5, patience: TimeInterval) -> Set<Int> {
    var answered = Set<Int>()
    let deadline = Date().addingTimeInterval(window)
    repeat {
        for index in 0..<clients.count where !answered.contains(index) {
            if clients[index].receive(count: data.count, timeout: 0).data == data { answered.insert(index) }
        }
        Thread.sleep(forTimeInterval: 0.01)
    } while Date() < deadline || answered.count < atLeast && Date() < deadline + patience
    return answered
}

/// A fresh client, played by nc, gets `line` echoed from `port` (nc waits
/// at most 20 s): the server behind it is not stalled by the hostile ones.
func assertFreshClientEchoed(port: UInt16, _ line: String, file: StaticString = #filePath, line number: UInt = #line) throws {
    let nc = try Tool.run("nc", ["-N", "127.0.0.1", "\(port)"], stdin: Data((line + "\n").utf8), limit: 20)
    XCTAssertEqual(nc.text, line + "\n", "a fresh client was not served: \(nc.stderr)", file: file, line: number)
}

/// The reset storm of the hostile tests: four waves of 250 clients of an
/// echo on `port`, each reset (SO_LINGER 0) once some of its echo has come
/// back, so that every one of the 1000 is cut off in the middle of a transfer.
func resetEchoClientsMidTransfer(port: UInt16, file: StaticString = #filePath, line: UInt = #line) throws {
    let block = randomBytes(16 << 10)
    for wave in 0..<4 {
        let crowd = try ClientCrowd(250, to: port)
        _ = crowd.pushUntilBlocked(chunk: block, limit: 16 << 10, quiet: 0.2, timeout: 20)
        let started = crowd.receive(count: 1, timeout: 30).filter { $0.data.count == 1 }.count
        XCTAssertEqual(started, 250, "wave \(wave): only \(started) of 250 transfers started", file: file, line: line)
        crowd.reset()
    }
}

/// The test process's own open-files limit.
enum OpenFiles {
    /// Raises the soft limit to the hard limit, for tests that hold thousands of sockets.
    static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static var softLimit: Int {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_cur)
    }
}

/// A 64-bit fingerprint of a byte stream (FNV-1a over 64-bit words, then
/// the tail bytes): compares what was sent with what came back, fast enough
/// for megabytes in an instrumented build.
struct Fingerprint: Equatable {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    static func of(_ data: Data) -> Fingerprint {
        var hash = Fingerprint()
        data.withUnsafeBytes { bytes in
            let words = bytes.count / 8
            for index in 0..<words { hash.mix(bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
            for byte in bytes[(words * 8)...] { hash.mix(UInt64(byte)) }
        }
        hash.mix(UInt64(data.count))
        return hash
    }

    private mutating func mix(_ word: UInt64) { value = (value ^ word) &* 0x0000_0100_0000_01b3 }
}
