import CSwnetLinux
import Glibc
import SwnetCore

/// The two IP families, as `-4` and `-6` choose them.
public enum AddressFamily: Sendable, Equatable {
    case v4, v6

    var constant: Int32 { self == .v4 ? AF_INET : AF_INET6 }
}

/// TCP or UDP, as the `/tcp` suffix of an address names it.
public enum Transport: String, Sendable {
    case tcp, udp

    var socketType: Int32 { Int32(self == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue) }
    var ipProtocol: Int32 { Int32(self == .tcp ? IPPROTO_TCP : IPPROTO_UDP) }
}

/// An IPv4 or IPv6 socket address: `1.2.3.4:80` or `[::1]:80`.
public struct SocketAddress: Sendable, CustomStringConvertible {
    private var storage = sockaddr_storage()

    public let family: AddressFamily

    /// Copies a C socket address of family AF_INET or AF_INET6.
    public init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET: family = .v4
        case AF_INET6: family = .v6
        default: return nil
        }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(min(length, socklen_t(MemoryLayout<sockaddr_storage>.size)))))
        }
    }

    /// Parses a numeric address (`127.0.0.1`, `::1`) without a resolver.
    /// The corresponding C function is `inet_pton`.
    public init?(numeric host: String, port: UInt16) {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            family = .v4
            withUnsafeBytes(of: v4) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            family = .v6
            withUnsafeBytes(of: v6) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        } else {
            return nil
        }
    }

    /// The size of the C structure for this family.
    public var length: socklen_t {
        socklen_t(family == .v4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
    }

    public var port: UInt16 {
        get {
            withUnsafeBytes(of: storage) { raw in
                family == .v4 ? UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
                              : UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            }
        }
        set {
            withUnsafeMutableBytes(of: &storage) { raw in
                if family == .v4 {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = newValue.bigEndian
                } else {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = newValue.bigEndian
                }
            }
        }
    }

    /// The address without the port: `127.0.0.1`, `::1`.
    /// The corresponding C function is `inet_ntop`.
    public var host: String {
        withUnsafeBytes(of: storage) { raw -> String in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            if family == .v4 {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            } else {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            }
            return String(cString: text)
        }
    }

    /// `1.2.3.4:80` or `[::1]:80`.
    public var description: String {
        family == .v4 ? "\(host):\(port)" : "[\(host)]:\(port)"
    }

    /// Lends the C structure to a socket call.
    public func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
