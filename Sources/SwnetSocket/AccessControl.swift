import SwnetCore

/// A block of IP addresses written as CIDR: `10.0.0.0/8`, `2001:db8::/32`,
/// or one address alone (`192.0.2.7`, `::1`), which is a /32 or /128.
public struct AddressBlock: Sendable, Equatable, CustomStringConvertible {
    public let family: AddressFamily
    /// The network's bytes, host bits cleared.
    public let network: [UInt8]
    public let prefixLength: Int

    /// Parses CIDR notation. Host bits set below the prefix
    /// (`10.1.2.3/8`) are cleared, as ip(8) and iptables do.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let host = String(parts[0])
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard let address = SocketAddress(numeric: bare, port: 0), !bare.contains("%") else {
            throw SwnetError.usage("'\(text)' is not an address block: expected CIDR such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32 or ::1")
        }
        let bits = address.family == .v4 ? 32 : 128
        var length = bits
        if parts.count == 2 {
            guard let number = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...bits).contains(number) else {
                throw SwnetError.usage("'\(text)': prefix length '/\(parts[1])' is invalid for \(address.family == .v4 ? "IPv4" : "IPv6"): expected 0-\(bits)")
            }
            length = number
        }
        family = address.family
        prefixLength = length
        network = Self.masked(address.ipBytes, to: length)
    }

    /// Whether `address` is inside the block. An IPv4-mapped IPv6 address
    /// (`::ffff:192.0.2.7`, what a dual-stack socket reports) counts as IPv4.
    public func contains(_ address: SocketAddress) -> Bool {
        var bytes = address.ipBytes
        if family == .v4, bytes.count == 16, bytes[..<12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) {
            bytes = Array(bytes[12...])
        }
        guard bytes.count == network.count else { return false }
        return Self.masked(bytes, to: prefixLength) == network
    }

    public var description: String {
        let address = SocketAddress(bytes: network)
        return "\(address.host)/\(prefixLength)"
    }

    private static func masked(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, length - index * 8))
            return keep == 8 ? byte : byte & ~(0xff >> UInt8(keep))
        }
    }
}

/// `--allow` and `--deny`: which peers a server accepts.
///
/// A peer inside any denied block is refused; otherwise, when blocks are
/// allowed, a peer must be inside one of them; with neither, everyone is
/// admitted. Deny wins, so `--allow 10.0.0.0/8 --deny 10.0.0.9` reads as
/// it sounds. A peer without an IP address (a Unix-domain client) is
/// admitted only when nothing is allowed by address.
public struct AccessControl: Sendable {
    public let allowed: [AddressBlock]
    public let denied: [AddressBlock]

    public init(allow: [AddressBlock] = [], deny: [AddressBlock] = []) {
        allowed = allow
        denied = deny
    }

    /// Parses the blocks as the options give them.
    public init(allow: [String], deny: [String]) throws {
        self.init(allow: try allow.map(AddressBlock.init(parsing:)), deny: try deny.map(AddressBlock.init(parsing:)))
    }

    /// True when no rule is set: every peer is admitted.
    public var admitsEveryone: Bool { allowed.isEmpty && denied.isEmpty }

    /// Why `peer` is refused, or nil when it is admitted.
    public func refusal(of peer: SocketAddress?) -> String? {
        guard let peer, peer.family != .unix else {
            return allowed.isEmpty ? nil : "no IP address to match --allow"
        }
        if let block = denied.first(where: { $0.contains(peer) }) { return "denied by --deny \(block)" }
        if !allowed.isEmpty && !allowed.contains(where: { $0.contains(peer) }) { return "not in any --allow block" }
        return nil
    }

    public func admits(_ peer: SocketAddress?) -> Bool { refusal(of: peer) == nil }
}
