import CSwnetLinux
import Glibc

/// The PROXY protocol header (HAProxy's proxy-protocol.txt): the first
/// bytes a proxy sends a backend, saying who the real client is. Version 1
/// is one text line; version 2 is binary.
///
/// The parser reads bytes from outside, so it trusts nothing: every length
/// is checked against what has arrived, and anything but a well-formed
/// header is an error that ends the connection.
public struct ProxyHeader: CustomStringConvertible {
    public enum Version: String, CaseIterable, Sendable { case v1, v2 }

    /// The client's address and the address it connected to; nil for a
    /// header that names none (v1 `UNKNOWN`, v2 `LOCAL`, or a family this
    /// parser does not carry): the connection's own addresses apply.
    public let source: SocketAddress?
    public let destination: SocketAddress?

    public init(source: SocketAddress?, destination: SocketAddress?) {
        self.source = source
        self.destination = destination
    }

    /// The v1 line is at most 107 bytes, CRLF included.
    public static let v1MaximumLength = 107
    /// The largest v2 header accepted: the addresses and a reasonable set of TLVs.
    public static let v2MaximumLength = 16 + 4096
    public static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1Prefix = Array("PROXY ".utf8)

    public var description: String {
        guard let source, let destination else { return "PROXY (no addresses)" }
        return "PROXY \(source) -> \(destination)"
    }

    // MARK: Building

    /// The header for a connection from `source` to `destination` (the
    /// address the client reached). Both should be of one IP family; when
    /// they are not (or are Unix-domain), the header names no addresses.
    public static func encode(_ version: Version, source: SocketAddress, destination: SocketAddress) -> [UInt8] {
        let sameFamily = source.family == destination.family && source.family != .unix
        switch version {
        case .v1:
            guard sameFamily else { return Array("PROXY UNKNOWN\r\n".utf8) }
            let family = source.family == .v4 ? "TCP4" : "TCP6"
            return Array("PROXY \(family) \(source.host) \(destination.host) \(source.port) \(destination.port)\r\n".utf8)
        case .v2:
            var header = v2Signature
            guard sameFamily else {
                header += [0x20, 0x00, 0x00, 0x00]           // version 2, LOCAL, UNSPEC, no address block
                return header
            }
            let addressBlock = source.ipBytes + destination.ipBytes + source.port.bytes + destination.port.bytes
            header += [0x21, source.family == .v4 ? 0x11 : 0x21]  // version 2 PROXY; INET or INET6 over STREAM
            header += UInt16(addressBlock.count).bytes
            return header + addressBlock
        }
    }

    // MARK: Parsing

    public enum ParseResult {
        /// A header may still come: read more and parse again.
        case incomplete
        /// A whole header, `length` bytes long; what follows it is the client's data.
        case header(ProxyHeader, length: Int)
    }

    /// Why bytes are not a PROXY header.
    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Parses the start of a connection's bytes.
    public static func parse(_ bytes: [UInt8]) throws -> ParseResult {
        if bytes.isEmpty { return .incomplete }
        if startsLikePrefix(bytes, v2Signature) { return try parseV2(bytes) }
        if startsLikePrefix(bytes, v1Prefix) { return try parseV1(bytes) }
        throw Invalid(reason: "not a PROXY protocol header")
    }

    /// Whether `bytes` and `prefix` agree on their common length.
    private static func startsLikePrefix(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    private static func parseV1(_ bytes: [UInt8]) throws -> ParseResult {
        guard let lineFeed = bytes.prefix(v1MaximumLength).firstIndex(of: 0x0A) else {
            if bytes.count >= v1MaximumLength { throw Invalid(reason: "PROXY v1 header longer than 107 bytes") }
            return .incomplete
        }
        guard lineFeed > 0, bytes[lineFeed - 1] == 0x0D else { throw Invalid(reason: "PROXY v1 header does not end in CRLF") }
        let line = bytes[..<(lineFeed - 1)]
        guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw Invalid(reason: "PROXY v1 header holds bytes that are not printable ASCII") }
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let length = lineFeed + 1
        if fields.count >= 2 && fields[1] == "UNKNOWN" {
            return .header(ProxyHeader(source: nil, destination: nil), length: length)  // the rest of the line is ignored
        }
        guard fields.count == 6 else { throw Invalid(reason: "PROXY v1 header needs 6 fields, has \(fields.count)") }
        let family: AddressFamily
        switch fields[1] {
        case "TCP4": family = .v4
        case "TCP6": family = .v6
        default: throw Invalid(reason: "PROXY v1 protocol '\(fields[1])' is not TCP4, TCP6 or UNKNOWN")
        }
        let source = try v1Address(fields[2], port: fields[4], family: family)
        let destination = try v1Address(fields[3], port: fields[5], family: family)
        return .header(ProxyHeader(source: source, destination: destination), length: length)
    }

    private static func v1Address(_ host: String, port: String, family: AddressFamily) throws -> SocketAddress {
        // Decimal, 0-65535, no sign and no leading zero (the specification's form).
        guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }), port == "0" || !port.hasPrefix("0"),
              let number = Int(port), number <= 65535 else {
            throw Invalid(reason: "PROXY v1 port '\(port)' is not a number from 0 to 65535")
        }
        guard let address = SocketAddress(numeric: host, port: UInt16(number)), address.family == family,
              family == .v6 || host.split(separator: ".").count == 4 else {
            throw Invalid(reason: "PROXY v1 address '\(host)' is not an \(family == .v4 ? "IPv4" : "IPv6") address")
        }
        return address
    }

    private static func parseV2(_ bytes: [UInt8]) throws -> ParseResult {
        guard bytes.count >= 16 else { return .incomplete }
        let versionAndCommand = bytes[12]
        guard versionAndCommand >> 4 == 2 else { throw Invalid(reason: "PROXY v2 header has version \(versionAndCommand >> 4)") }
        let command = versionAndCommand & 0x0F
        guard command <= 1 else { throw Invalid(reason: "PROXY v2 command \(command) is neither LOCAL nor PROXY") }
        let blockLength = Int(bytes[14]) << 8 | Int(bytes[15])
        let length = 16 + blockLength
        guard length <= v2MaximumLength else { throw Invalid(reason: "PROXY v2 header of \(length) bytes is longer than \(v2MaximumLength)") }
        guard bytes.count >= length else { return .incomplete }
        let block = Array(bytes[16..<length])
        if command == 0 { return .header(ProxyHeader(source: nil, destination: nil), length: length) }  // LOCAL: a health check of the proxy's own
        let family = bytes[13] >> 4, transport = bytes[13] & 0x0F
        guard transport <= 2 else { throw Invalid(reason: "PROXY v2 transport \(transport) is unknown") }
        switch family {
        case 1, 2:
            let size = family == 1 ? 4 : 16
            guard block.count >= 2 * size + 4 else { throw Invalid(reason: "PROXY v2 address block of \(block.count) bytes is too short for its family") }
            let source = SocketAddress(raw: Array(block[0..<size]), port: UInt16(block[2 * size]) << 8 | UInt16(block[2 * size + 1]))
            let destination = SocketAddress(raw: Array(block[size..<2 * size]), port: UInt16(block[2 * size + 2]) << 8 | UInt16(block[2 * size + 3]))
            return .header(ProxyHeader(source: source, destination: destination), length: length)
        case 0, 3:
            // UNSPEC, or Unix sockets: no IP address to carry.
            if family == 3 && block.count < 216 { throw Invalid(reason: "PROXY v2 address block of \(block.count) bytes is too short for its family") }
            return .header(ProxyHeader(source: nil, destination: nil), length: length)
        default:
            throw Invalid(reason: "PROXY v2 address family \(family) is unknown")
        }
    }
}

private extension UInt16 {
    /// Network byte order.
    var bytes: [UInt8] { [UInt8(self >> 8), UInt8(self & 0xFF)] }
}

private extension SocketAddress {
    /// An address from its 4 or 16 bytes in network order and its port.
    init(raw: [UInt8], port: UInt16) {
        self.init(bytes: raw)
        self.port = port
    }
}
