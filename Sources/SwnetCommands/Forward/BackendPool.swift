import Glibc
import SwnetCore
import SwnetSocket

/// How `forward` spreads new clients over its backends (`--balance`).
enum BalancePolicy: String, CaseIterable {
    /// In turn, each backend as often as its weight (nginx's smooth weighted round-robin).
    case roundRobin = "round-robin"
    /// The backend with the fewest open connections for its weight.
    case leastConn = "least-conn"
    /// The client's IP address decides (weighted rendezvous hashing), so a
    /// client keeps its backend, and only the clients of a backend that goes
    /// away move.
    case sourceHash = "source-hash"
    /// At random, in proportion to the weights.
    case random
}

/// The backends of one `forward`, shared by its threads: their health,
/// their open connections, and the order in which a new client tries them.
///
/// A client tries the policy's choice first and, when that one refuses or
/// times out, the other backends that are up and not full (passive
/// failover). Active health checks take a backend out after
/// `failuresToDown` failed checks in a row and put it back after one that
/// passes.
final class BackendPool: @unchecked Sendable {
    static let failuresToDown = 3

    enum Selection: Equatable {
        /// Backend indices, to be tried in this order.
        case candidates([Int])
        /// No backend can take the client, and why.
        case none(String)
    }

    /// A backend's health changing, for an event.
    struct Transition: Equatable {
        let index: Int
        let up: Bool
    }

    private struct State {
        var up = true
        var active = 0
        var failuresInRow = 0
        /// Smooth weighted round-robin's running weight.
        var current = 0
        var addresses: [SocketAddress] = []
        /// Resolve the name again: the last connect to it failed.
        var stale = true
        /// A resolution runs on its own thread.
        var resolving = false
    }

    let backends: [BackendSpec]
    let policy: BalancePolicy
    private var states: [State]
    private let lock = Lock()
    private var cursor = 0
    private let randomNumber: () -> UInt64

    init(_ backends: [BackendSpec], policy: BalancePolicy, randomNumber: @escaping () -> UInt64 = { UInt64.random(in: .min ... .max) }) {
        precondition(!backends.isEmpty, "a pool needs a backend")
        self.backends = backends
        self.policy = policy
        self.randomNumber = randomNumber
        states = Array(repeating: State(), count: backends.count)
    }

    // MARK: Choosing

    /// The order in which a client from `clientAddress` (its IP address,
    /// without the port) tries the backends. The address is formatted only
    /// for `source-hash`: the other policies need no text per client.
    func select(clientAddress: @autoclosure () -> String) -> Selection {
        lock.withLock {
            let eligible = backends.indices.filter { index in
                states[index].up && backends[index].maxConnections.map { states[index].active < $0 } ?? true
            }
            guard !eligible.isEmpty else {
                return .none(states.contains(where: \.up) ? "every backend that is up is at its max-conns" : "no backend is up")
            }
            switch policy {
            case .roundRobin:
                return .candidates(rotated(eligible, first: smoothWeightedPick(eligible)))
            case .leastConn:
                // Fewest connections per weight; ties go in turn.
                cursor &+= 1
                let start = cursor % backends.count
                let ordered = eligible.sorted { a, b in
                    let left = states[a].active * backends[b].weight, right = states[b].active * backends[a].weight
                    if left != right { return left < right }
                    return (a - start + backends.count) % backends.count < (b - start + backends.count) % backends.count
                }
                return .candidates(ordered)
            case .sourceHash:
                let key = Self.hash(Array(clientAddress().utf8))
                let scores = eligible.map { ($0, rendezvousScore(key: key, index: $0)) }
                return .candidates(scores.sorted { $0.1 > $1.1 }.map(\.0))
            case .random:
                let total = eligible.reduce(0) { $0 + backends[$1].weight }
                var ticket = Int(randomNumber() % UInt64(total))
                var pick = eligible[0]
                for index in eligible {
                    ticket -= backends[index].weight
                    if ticket < 0 { pick = index; break }
                }
                return .candidates(rotated(eligible, first: pick))
            }
        }
    }

    /// nginx's smooth weighted round-robin: weights 5,1,1 give a a b a c a a, not a a a a a b c.
    private func smoothWeightedPick(_ eligible: [Int]) -> Int {
        var total = 0
        var best = eligible[0]
        for index in eligible {
            states[index].current += backends[index].weight
            total += backends[index].weight
            if states[index].current > states[best].current { best = index }
        }
        states[best].current -= total
        return best
    }

    /// `eligible` starting at `first`, the rest in index order after it (the failover order).
    private func rotated(_ eligible: [Int], first: Int) -> [Int] {
        let position = eligible.firstIndex(of: first)!
        if position == 0 { return eligible }
        return Array(eligible[position...] + eligible[..<position])
    }

    /// Weighted rendezvous hashing: -weight / ln(u), u uniform in (0, 1) from the hash of key and backend.
    private func rendezvousScore(key: UInt64, index: Int) -> Double {
        let mixed = Self.mix(key ^ Self.mix(UInt64(index) &+ 0x9E37_79B9_7F4A_7C15))
        let unit = (Double(mixed >> 11) + 0.5) / Double(1 << 53)
        return -Double(backends[index].weight) / Glibc.log(unit)
    }

    /// FNV-1a, then mixed: the same client gives the same number on every run and machine.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return mix(value)
    }

    /// splitmix64's finaliser.
    private static func mix(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: Connections

    /// Counts a connection to `index`; false when the backend is full.
    func acquire(_ index: Int) -> Bool {
        lock.withLock {
            if let limit = backends[index].maxConnections, states[index].active >= limit { return false }
            states[index].active += 1
            return true
        }
    }

    func release(_ index: Int) {
        lock.withLock { states[index].active -= 1 }
    }

    /// Open connections per backend, in argument order.
    var activeConnections: [Int] { lock.withLock { states.map(\.active) } }

    var upBackends: [Bool] { lock.withLock { states.map(\.up) } }

    /// The addresses of `index`. The first call resolves the name (start-up
    /// does, so a typo stops it). After a connect to the backend failed, the
    /// name is resolved again on a thread of its own while clients go on with
    /// the last answer: a slow or absent DNS server never stalls a worker's
    /// other clients, and a backend that moved is found by the clients after.
    func addresses(_ index: Int, family: AddressFamily?, transport: Transport = .tcp) throws -> [SocketAddress] {
        let spec = backends[index]
        if let unix = spec.unixAddress { return [unix] }
        let (known, refresh) = lock.withLock { () -> ([SocketAddress], Bool) in
            let refresh = states[index].stale && !states[index].resolving && !states[index].addresses.isEmpty
            if refresh { states[index].resolving = true }
            return (states[index].addresses, refresh)
        }
        guard !known.isEmpty else {
            let fresh = try Resolver.resolve(spec.host, port: spec.port, family: family, transport: transport)
            store(fresh, for: index)
            return fresh
        }
        if refresh {
            let started = (try? SystemThread.detached { [self] in
                let fresh = try? Resolver.resolve(spec.host, port: spec.port, family: family, transport: transport)
                store(fresh, for: index)
            }) != nil
            if !started { store(nil, for: index) }
        }
        return known
    }

    /// A resolution's answer; nil (it failed) keeps the last one and the name stale.
    private func store(_ fresh: [SocketAddress]?, for index: Int) {
        lock.withLock {
            states[index].resolving = false
            guard let fresh, !fresh.isEmpty else { return }
            states[index].addresses = fresh
            states[index].stale = false
        }
    }

    /// A connect to `index` failed: its name is resolved again next time.
    func connectFailed(_ index: Int) {
        lock.withLock { states[index].stale = true }
    }

    // MARK: Health

    /// Records a health check; returns the change of state it caused, if any.
    func recordCheck(_ index: Int, passed: Bool) -> Transition? {
        lock.withLock {
            if passed {
                states[index].failuresInRow = 0
                guard !states[index].up else { return nil }
                states[index].up = true
                return Transition(index: index, up: true)
            }
            states[index].failuresInRow += 1
            states[index].stale = true
            guard states[index].up, states[index].failuresInRow >= Self.failuresToDown else { return nil }
            states[index].up = false
            return Transition(index: index, up: false)
        }
    }
}
