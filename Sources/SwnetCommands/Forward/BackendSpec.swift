import SwnetCore
import SwnetSocket

/// One `BACKEND` argument: `HOST:PORT` or `unix:PATH`, optionally
/// followed by comma-separated settings: `HOST:PORT,weight=3,max-conns=100`.
///
/// A weight (1-1000, default 1) is the backend's share of new clients
/// under every policy; `max-conns` caps its open connections (default:
/// `--backend-max-conns`, else none).
struct BackendSpec: Equatable {
    let host: String
    let port: UInt16
    var weight: Int
    var maxConnections: Int?
    /// Set for `unix:PATH` (and `unix:@name`); then host and port mean nothing.
    let unixAddress: SocketAddress?
    /// How it is named in events and errors: `127.0.0.1:8080`, `[::1]:8080`,
    /// `unix:/run/app.sock`. Made once: every connection's report names it.
    let name: String

    init(host: String, port: UInt16, weight: Int = 1, maxConnections: Int? = nil, unixAddress: SocketAddress? = nil) {
        self.host = host
        self.port = port
        self.weight = weight
        self.maxConnections = maxConnections
        self.unixAddress = unixAddress
        if let unixAddress {
            name = unixAddress.description
        } else {
            name = host.includes(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    static func == (left: BackendSpec, right: BackendSpec) -> Bool {
        left.name == right.name && left.weight == right.weight && left.maxConnections == right.maxConnections
    }

    static func parse(_ text: String, transport: Transport) throws -> BackendSpec {
        var parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let address = parts.removeFirst()
        var spec: BackendSpec
        if let unix = try Endpoint.unixAddress(address) {
            spec = BackendSpec(host: address, port: 0, unixAddress: unix)
        } else {
            guard let (host, portText) = Endpoint.split(address), let portText else {
                throw SwnetError.usage("backend '\(text)' has no port: write HOST:PORT[,weight=N][,max-conns=N] or unix:PATH")
            }
            spec = BackendSpec(host: host, port: try Endpoint(host: host, port: portText).portNumber(for: transport))
        }
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let value = Int(pair[1]) else {
                throw SwnetError.usage("backend '\(text)': '\(part)' is not NAME=NUMBER (weight=N or max-conns=N)")
            }
            switch pair[0] {
            case "weight":
                guard (1...1000).contains(value) else { throw SwnetError.usage("backend '\(text)': weight must be 1-1000") }
                spec.weight = value
            case "max-conns":
                guard value >= 1 else { throw SwnetError.usage("backend '\(text)': max-conns must be at least 1") }
                spec.maxConnections = value
            default:
                throw SwnetError.usage("backend '\(text)': unknown setting '\(pair[0])'; expected weight or max-conns")
            }
        }
        return spec
    }
}
