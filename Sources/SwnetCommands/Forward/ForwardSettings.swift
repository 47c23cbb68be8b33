import SwnetCore
import SwnetSocket
import SwnetTLS

/// What every thread of one `forward` shares: the configuration, the
/// backend pool, the console and the counters (all thread-safe).
final class ForwardSettings: @unchecked Sendable {
    let pool: BackendPool
    let console: Console
    let family: AddressFamily?
    let access: AccessControl
    let maxConnections: Int
    let idleTimeout: Duration?
    let connectTimeout: Duration
    let grace: Duration
    let splice: Bool
    /// `--send-proxy`: the header each backend gets first.
    let sendProxy: ProxyHeader.Version?
    /// `--accept-proxy`: clients (from `--allow` blocks) send a header first.
    let acceptProxy: Bool
    /// `--tls`: clients handshake with us.
    let clientTLS: TLSContext?
    /// `--backend-tls`: we handshake with the backends.
    let backendTLS: TLSContext?
    let handshakeTimeout: Duration
    let open = SharedCounter()
    let served = SharedCounter()
    let turnedAway = SharedCounter()
    /// Out of descriptors: told once, however many threads meet it.
    let shortage: AcceptShortage

    init(pool: BackendPool, console: Console, family: AddressFamily?, access: AccessControl, maxConnections: Int, idleTimeout: Duration?,
         connectTimeout: Duration, grace: Duration, splice: Bool, sendProxy: ProxyHeader.Version?, acceptProxy: Bool,
         clientTLS: TLSContext?, backendTLS: TLSContext?, handshakeTimeout: Duration) {
        self.pool = pool
        self.console = console
        self.family = family
        self.access = access
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
        self.grace = grace
        self.splice = splice
        self.sendProxy = sendProxy
        self.acceptProxy = acceptProxy
        self.clientTLS = clientTLS
        self.backendTLS = backendTLS
        self.handshakeTimeout = handshakeTimeout
        shortage = AcceptShortage("forward", console: console)
    }

    /// One client's connection, however it ended: a `-v` line or a JSON event.
    /// Addresses are kept as they are and put in words only when reported.
    struct Report {
        let proto: Transport
        var client: SocketAddress?
        var backend: String?
        var bytesIn = 0
        var bytesOut = 0
        var duration: Duration = .zero
        var end = ""
        var spliced = false
    }

    /// Built only when it is reported: at tens of thousands of connections
    /// a second, formatting what nobody reads is measurable.
    func report(_ make: @autoclosure () -> Report) {
        guard console.verbosity > 0 && !console.quiet else { return }
        let report = make()
        let client = report.client?.description ?? "?"
        if console.json {
            console.emit(.object([
                ("event", .string("connection")), ("proto", .string(report.proto.rawValue)), ("client", .string(client)),
                ("backend", report.backend.map(JSONValue.string) ?? .null), ("bytes_in", .int(report.bytesIn)), ("bytes_out", .int(report.bytesOut)),
                ("duration_ms", .milliseconds(report.duration.milliseconds)), ("end", .string(report.end)), ("spliced", .bool(report.spliced)),
            ]))
        } else {
            let backend = report.backend ?? "no backend"
            console.verbose("\(report.proto) \(client) -> \(backend): \(report.bytesIn) bytes in, \(report.bytesOut) out, "
                            + "\(milliseconds(report.duration)) ms, \(report.end)")
        }
    }

    /// A backend going down or coming back: always reported (it is rare and it matters), unless `-q`.
    func reportHealth(_ transition: BackendPool.Transition, reason: String) {
        let name = pool.backends[transition.index].name
        let state = transition.up ? "up" : "down"
        if console.json {
            console.emit(.object([("event", .string("backend")), ("backend", .string(name)), ("state", .string(state)), ("reason", .string(reason))]))
        } else {
            console.note("forward: backend \(name) is \(state): \(reason)")
        }
        if !transition.up && !pool.upBackends.contains(true) && !console.json {
            console.note("forward: every backend is down: new clients are closed at once")
        }
    }
}
