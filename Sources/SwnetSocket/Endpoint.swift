import Glibc
import SwnetCore

/// A host and a port as the user wrote them, before resolving:
/// `name:port`, `1.2.3.4:port`, `[::1]:port`, or `HOST PORT` as two
/// arguments. The port may be a service name (`localhost:http`).
public struct Endpoint: Sendable, CustomStringConvertible {
    public let host: String
    /// The port part as written: a number, a service name, or for scans a list.
    public let port: String

    public init(host: String, port: String) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT`, or the two arguments `HOST PORT`.
    public static func parse(_ arguments: [String]) throws -> Endpoint {
        switch arguments.count {
        case 1:
            guard let (host, port) = split(arguments[0]), let port else {
                throw SwnetError.usage("'\(arguments[0])' has no port: write HOST:PORT, [IPv6]:PORT or HOST PORT")
            }
            return Endpoint(host: host, port: port)
        case 2:
            let host = arguments[0].hasPrefix("[") && arguments[0].hasSuffix("]") ? String(arguments[0].dropFirst().dropLast()) : arguments[0]
            guard !host.isEmpty else { throw SwnetError.usage("empty host name") }
            return Endpoint(host: host, port: arguments[1])
        default:
            throw SwnetError.usage("expected HOST:PORT or HOST PORT, got \(arguments.count) arguments")
        }
    }

    /// The Unix-domain address `unix:/path/to.sock` (a relative path works
    /// too) or `unix:@name` (the abstract namespace) names; nil when `text`
    /// does not start with `unix:`.
    public static func unixAddress(_ text: String) throws -> SocketAddress? {
        guard text.hasPrefix("unix:") else { return nil }
        let name = String(text.dropFirst("unix:".count))
        if name.hasPrefix("@") { return try SocketAddress(unixPath: String(name.dropFirst()), abstract: true) }
        return try SocketAddress(unixPath: name)
    }

    /// Splits `host:port`, `[v6]:port`, `[v6]`, `v6` or `host` into its
    /// parts; nil when the text is not an address at all.
    public static func split(_ text: String) -> (host: String, port: String?)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return host.isEmpty ? nil : (host, nil) }
            guard rest.hasPrefix(":"), rest.count > 1, !host.isEmpty else { return nil }
            return (host, String(rest.dropFirst()))
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 0 { return text.isEmpty ? nil : (text, nil) }
        if colons > 1 { return (text, nil) }  // a bare IPv6 address
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The single port this endpoint names as a destination, 1-65535 or a service name.
    public func portNumber(for transport: Transport) throws -> UInt16 {
        try Self.port(self.port, for: transport, use: .destination)
    }

    /// A port number or a service name from /etc/services; a number is
    /// checked against what `use` allows, a local port may be 0.
    /// The corresponding C function is `getservbyname`.
    public static func port(_ text: String, for transport: Transport, use: PortUse) throws -> UInt16 {
        if let number = Int(text) {
            guard (0...65535).contains(number) else {
                throw SwnetError.usage("port \(text) is out of range: \(use.expected)")
            }
            guard number != 0 || use == .local else { throw SwnetError.usage("port 0 is not a destination: \(use.expected)") }
            return UInt16(number)
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
              let entry = getservbyname(text, transport.rawValue)
        else {
            throw SwnetError.usage("unknown port '\(text)': expected a number or a service name such as http")
        }
        return UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port))
    }

    /// Ports as lists and ranges, `20-25,80,http`, sorted and without repeats.
    public static func ports(_ text: String, for transport: Transport) throws -> [UInt16] {
        var ports = Set<UInt16>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]) {
                guard (1...65535).contains(low), (1...65535).contains(high), low <= high else {
                    throw SwnetError.usage("port range '\(item)' is invalid: expected LOW-HIGH, each \(PortUse.destination.range)")
                }
                ports.formUnion((low...high).map { UInt16($0) })
            } else {
                guard !item.isEmpty else { throw SwnetError.usage("empty item in port list '\(text)'") }
                ports.insert(try port(String(item), for: transport, use: .destination))
            }
        }
        return ports.sorted()
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// What a port is for: one swnet binds (listen, forward, a source) may be 0,
/// which takes a free port; one it connects to may not.
public enum PortUse: Sendable {
    case local, destination

    /// The words of the option parser for `--port`, so a port reads the
    /// same in every error wherever it was given.
    public var range: String { "a whole number from \(self == .local ? 0 : 1) to 65535" }
    public var expected: String { "expected \(range)" }
}
