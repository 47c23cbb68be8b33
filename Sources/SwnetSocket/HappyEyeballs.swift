import SwnetCore

/// A connected TCP socket and how it got there.
public struct Connection {
    public let socket: Socket
    public let address: SocketAddress
    public let elapsed: Duration

    public init(socket: Socket, address: SocketAddress, elapsed: Duration) {
        self.socket = socket
        self.address = address
        self.elapsed = elapsed
    }
}

/// Connects to the first address that answers, per RFC 8305 ("Happy
/// Eyeballs v2"): addresses interleaved by family, the next attempt started
/// 250 ms after the previous one unless that one failed sooner, first
/// success wins, the rest are closed.
public enum HappyEyeballs {
    public static let attemptDelay: Duration = .milliseconds(250)

    /// Runs `loop` until a connection is made, every address has failed
    /// (the last failure is thrown), or `timeout` passes (exit 5).
    public static func connect(to addresses: [SocketAddress], from source: SocketAddress? = nil,
                               timeout: Duration?, on loop: EventLoop) throws -> Connection {
        let ordered = interleaved(addresses)
        precondition(!ordered.isEmpty, "no address to connect to")
        let start = MonotonicClock.now
        var attempts: [ConnectAttempt] = []
        var next = 0
        var winner: Connection?
        var lastFailure: SwnetError?
        var delayTimer: LoopTimer?

        func startNext() {
            delayTimer?.cancel()
            guard next < ordered.count else { return }
            let address = ordered[next]
            next += 1
            attempts.append(ConnectAttempt(to: address, from: source, on: loop) { result in
                switch result {
                case .success(let socket):
                    winner = Connection(socket: socket, address: address, elapsed: .now - start)
                    loop.stop()
                case .failure(let error):
                    lastFailure = error
                    attempts.removeAll { $0.address.description == address.description }
                    if next < ordered.count {
                        startNext()
                    } else if attempts.isEmpty {
                        loop.stop()
                    }
                }
            })
            if next < ordered.count {
                delayTimer = loop.schedule(after: attemptDelay) { startNext() }
            }
        }

        startNext()
        let deadline = timeout.map { limit in
            loop.schedule(after: limit) {
                let target = ordered[next - 1]
                lastFailure = SwnetError(.timeout, "no connection within \(TimeSpan.format(limit)) (--connect-timeout)").adding(target.named(.tcp))
                loop.stop()
            }
        }
        try loop.run()
        deadline?.cancel()
        delayTimer?.cancel()
        for attempt in attempts { attempt.cancel() }
        if let winner { return winner }
        throw lastFailure!
    }

    /// RFC 8305 section 4: alternate families, starting with the family of
    /// the resolver's first answer.
    public static func interleaved(_ addresses: [SocketAddress]) -> [SocketAddress] {
        guard let first = addresses.first else { return [] }
        // One family (a forwarder's usual backend): already in order, and no arrays to make per connection.
        if addresses.allSatisfy({ $0.family == first.family }) { return addresses }
        var preferred = addresses.filter { $0.family == first.family }[...]
        var other = addresses.filter { $0.family != first.family }[...]
        var result: [SocketAddress] = []
        while !preferred.isEmpty || !other.isEmpty {
            if let address = preferred.popFirst() { result.append(address) }
            if let address = other.popFirst() { result.append(address) }
        }
        return result
    }
}
