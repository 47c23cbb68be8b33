import CSwnetLinux
import Glibc
import SwnetCore

/// Names to addresses, over the system resolver.
public enum Resolver {
    /// Every address of `host` for `transport`, in the resolver's order,
    /// without repeats; only one family when `family` is given.
    /// Throws a resolve error (exit 3) with the resolver's reason.
    /// The corresponding C function is `getaddrinfo`.
    public static func resolve(_ host: String, port: UInt16, family: AddressFamily?, transport: Transport) throws -> [SocketAddress] {
        if let loopback = loopback(host, port: port, family: family) { return loopback }
        if let numeric = SocketAddress(numeric: host, port: port) {
            if let family, numeric.family != family {
                throw SwnetError(.resolve, "\(host) is not an \(family == .v4 ? "IPv4" : "IPv6") address").adding("resolve \(host)")
            }
            return [numeric]
        }
        var hints = addrinfo()
        hints.ai_family = family?.constant ?? AF_UNSPEC
        hints.ai_socktype = transport.socketType
        hints.ai_protocol = transport.ipProtocol
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            throw SwnetError(.resolve, String(cString: gai_strerror(status)).asReason).adding("resolve \(host)")
        }
        defer { freeaddrinfo(list) }

        var addresses: [SocketAddress] = []
        var seen = Set<String>()
        var entry = list
        while let current = entry {
            if let raw = current.pointee.ai_addr, var address = SocketAddress(raw, length: current.pointee.ai_addrlen) {
                address.port = port
                if seen.insert(address.description).inserted { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else { throw SwnetError(.resolve, "no address found").adding("resolve \(host)") }
        return addresses
    }

    /// RFC 6761: `localhost` and the names under it are the loopback
    /// addresses, answered here without asking /etc/hosts or DNS, as
    /// libcurl does: so `-6 localhost` works in every command, on every
    /// machine. IPv4 first, where most services listen.
    static func loopback(_ host: String, port: UInt16, family: AddressFamily?) -> [SocketAddress]? {
        let name = host.lowercased()
        guard name == "localhost" || name == "localhost." || name.hasSuffix(".localhost") || name.hasSuffix(".localhost.") else { return nil }
        return [SocketAddress(numeric: "127.0.0.1", port: port)!, SocketAddress(numeric: "::1", port: port)!]
            .filter { family == nil || $0.family == family }
    }

    /// A local address to send from, `ADDR[:PORT]` (`-s/--source`); the
    /// port is 0, any free one, unless given.
    public static func source(_ text: String, family: AddressFamily?, transport: Transport) throws -> SocketAddress {
        guard let (host, portText) = Endpoint.split(text) else {
            throw SwnetError.usage("invalid source address '\(text)': expected ADDR or ADDR:PORT")
        }
        let port = try portText.map { try Endpoint.port($0, for: transport, use: .local) } ?? 0
        return try resolve(host, port: port, family: family, transport: transport)[0]
    }
}
