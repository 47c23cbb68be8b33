import SwnetCLI
import SwnetCore
import SwnetSocket

/// `connect --scan`: which of a host's TCP ports accept a connection.
struct PortScan {
    enum State: String {
        case open, closed, filtered
    }

    struct Probe {
        let port: UInt16
        let state: State
        let elapsed: Duration
    }

    let endpoint: Endpoint
    let source: SocketAddress?
    let family: AddressFamily?
    let invocation: Invocation
    let console: Console

    func run() throws -> ExitCode {
        let ports = try Endpoint.ports(endpoint.port, for: .tcp)
        let address = try Resolver.resolve(endpoint.host, port: 0, family: family, transport: .tcp)[0]
        let loop = try EventLoop()
        let timeout = invocation.duration("connect-timeout")!
        var results: [UInt16: Probe] = [:]

        if let wait = invocation.duration("wait") {
            // Probe the ports not yet open until all are, or time is up.
            var backoff = PortWait.Backoff(for: wait)
            while true {
                let pending = ports.filter { results[$0]?.state != .open }
                for probe in try probe(pending, of: address, timeout: min(timeout, max(backoff.timeLeft, .milliseconds(1))), loop: loop) {
                    results[probe.port] = probe
                }
                if results.values.allSatisfy({ $0.state == .open }) { break }
                guard try backoff.pause(loop) else { break }
            }
        } else {
            for probe in try probe(ports, of: address, timeout: timeout, loop: loop) { results[probe.port] = probe }
        }

        let probes = ports.compactMap { results[$0] }
        let open = probes.filter { $0.state == .open }.count
        if open < probes.count, let wait = invocation.duration("wait") {
            let failure = SwnetError(.timeout, "not all open after \(TimeSpan.format(wait)) (--wait)").adding(endpoint.description)
            guard console.json else {
                report(probes, address: address)
                throw failure
            }
            throw failure.with(report: json(probes, address: address))
        }
        report(probes, address: address)
        if open == probes.count { return .success }
        return open == 0 ? .unreachable : .partial
    }

    /// Connects to every port, at most `--concurrency` at once; a refusal is
    /// closed, no answer within `timeout` (or an unreachable host) filtered.
    private func probe(_ ports: [UInt16], of address: SocketAddress, timeout: Duration, loop: EventLoop) throws -> [Probe] {
        let limit = invocation.integer("concurrency")!
        var probes: [Probe] = []
        var next = 0
        var inFlight = 0
        var localFailure: SwnetError?

        func launch() {
            while inFlight < limit && next < ports.count {
                let port = ports[next]
                next += 1
                inFlight += 1
                var target = address
                target.port = port
                var deadline: LoopTimer?
                let started = MonotonicClock.now
                let attempt = ConnectAttempt(to: target, from: source, on: loop) { result in
                    deadline?.cancel()
                    let elapsed = MonotonicClock.now - started
                    switch result {
                    case .success(let socket):
                        socket.close()
                        settle(Probe(port: port, state: .open, elapsed: elapsed))
                    case .failure(let error):
                        if error.code == .local { localFailure = error; loop.stop(); return }
                        settle(Probe(port: port, state: error.errno?.isConnectionRefused == true ? .closed : .filtered, elapsed: elapsed))
                    }
                }
                deadline = loop.schedule(after: timeout) {
                    attempt.cancel()
                    settle(Probe(port: port, state: .filtered, elapsed: timeout))
                }
            }
            if inFlight == 0 { loop.stop() }
        }

        func settle(_ probe: Probe) {
            probes.append(probe)
            inFlight -= 1
            launch()
        }

        launch()
        if inFlight > 0 { try loop.run() }
        if let localFailure { throw localFailure }
        return probes
    }

    /// The one `--json` document of a scan.
    private func json(_ probes: [Probe], address: SocketAddress) -> JSONValue {
        .object([
            ("host", .string(endpoint.host)),
            ("address", .string(address.host)),
            ("ports", .array(probes.map { probe in
                .object([("port", .int(Int(probe.port))), ("state", .string(probe.state.rawValue)),
                         ("ms", .milliseconds(probe.elapsed.milliseconds))])
            })),
        ])
    }

    private func report(_ probes: [Probe], address: SocketAddress) {
        if console.json {
            console.emit(json(probes, address: address))
            return
        }
        // stdout lists what a script looks for, the open ports; -v tells of every port on stderr.
        for probe in probes {
            if probe.state == .open { console.line("\(probe.port)/tcp open") }
            console.verbose("\(address.host) port \(probe.port)/tcp \(probe.state.rawValue) in \(milliseconds(probe.elapsed)) ms")
        }
        let open = probes.filter { $0.state == .open }.count
        if open < probes.count && console.verbosity == 0 {
            console.note("\(ConnectCommand.spec.name): \(open) of \(counted(probes.count, "port")) open (-v lists the others)")
        }
    }
}
