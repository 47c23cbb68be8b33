import CSwnetLinux
import Glibc
import SwnetCore

/// The two IP families, as `-4` and `-6` choose them, and Unix-domain sockets.
public enum AddressFamily: Sendable, Equatable {
    case v4, v6, unix

    var constant: Int32 {
        switch self {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        case .unix: return AF_UNIX
        }
    }
}

/// TCP or UDP, as the `/tcp` suffix of an address names it.
public enum Transport: String, Sendable {
    case tcp, udp

    var socketType: Int32 { Int32(self == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue) }
    var ipProtocol: Int32 { Int32(self == .tcp ? IPPROTO_TCP : IPPROTO_UDP) }
}

/// An IPv4, IPv6 or Unix-domain socket address: `1.2.3.4:80`, `[::1]:80`,
/// `unix:/run/app.sock`, or `unix:@name` in Linux's abstract namespace.
public struct SocketAddress: Sendable, CustomStringConvertible {
    private var storage = sockaddr_storage()
    /// A Unix address's length counts the bytes of its path that are used
    /// (an abstract name has no terminating NUL); 0 for IP.
    private var unixLength: socklen_t = 0

    public let family: AddressFamily

    /// The most bytes of path `sockaddr_un` holds with its terminating NUL.
    public static let unixPathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1
    private static let unixPathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!

    /// Copies a C socket address of family AF_INET, AF_INET6 or AF_UNIX.
    public init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET: family = .v4
        case AF_INET6: family = .v6
        case AF_UNIX: family = .unix
        default: return nil
        }
        let length = min(length, socklen_t(MemoryLayout<sockaddr_storage>.size))
        if family == .unix { unixLength = length }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
    }

    /// A Unix-domain socket at `path`, or with `abstract` the name `path`
    /// in the abstract namespace, which has no file and vanishes with its
    /// last socket.
    public init(unixPath path: String, abstract: Bool = false) throws {
        let bytes = Array(path.utf8)
        let what = abstract ? "abstract socket name" : "Unix socket path"
        guard !bytes.isEmpty else { throw SwnetError.usage("empty \(what): write unix:/PATH or unix:@NAME") }
        guard !bytes.contains(0) else { throw SwnetError.usage("\(what) '\(path)' contains a NUL byte") }
        guard bytes.count <= Self.unixPathCapacity else {
            throw SwnetError.usage("\(what) '\(path)' has \(bytes.count) bytes: at most \(Self.unixPathCapacity) fit")
        }
        family = .unix
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: (abstract ? [0] : []) + bytes)
        }
        // A path ends with its NUL; an abstract name is its bytes after a leading NUL: one byte more either way.
        unixLength = socklen_t(Self.unixPathOffset + bytes.count + 1)
        withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
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

    /// The IPv4 (4 bytes) or IPv6 (16 bytes) address in network order, port 0.
    init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "an IP address has 4 or 16 bytes")
        if bytes.count == 4 {
            var v4 = sockaddr_in()
            v4.sin_family = sa_family_t(AF_INET)
            withUnsafeMutableBytes(of: &v4.sin_addr) { $0.copyBytes(from: bytes) }
            family = .v4
            withUnsafeBytes(of: v4) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        } else {
            var v6 = sockaddr_in6()
            v6.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &v6.sin6_addr) { $0.copyBytes(from: bytes) }
            family = .v6
            withUnsafeBytes(of: v6) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
        }
    }

    /// The size of the C structure for this family.
    public var length: socklen_t {
        switch family {
        case .v4: return socklen_t(MemoryLayout<sockaddr_in>.size)
        case .v6: return socklen_t(MemoryLayout<sockaddr_in6>.size)
        case .unix: return unixLength
        }
    }

    /// The port; 0 for a Unix address, which has none.
    public var port: UInt16 {
        get {
            withUnsafeBytes(of: storage) { raw in
                switch family {
                case .v4: return UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
                case .v6: return UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
                case .unix: return 0
                }
            }
        }
        set {
            guard family != .unix else { return }
            withUnsafeMutableBytes(of: &storage) { raw in
                if family == .v4 {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port = newValue.bigEndian
                } else {
                    raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port = newValue.bigEndian
                }
            }
        }
    }

    /// The name of a Unix address as `unix:` takes it: the path, or `@name`
    /// for an abstract one; empty for an unnamed client socket.
    private var unixName: String {
        let used = max(0, Int(unixLength) - Self.unixPathOffset)
        return withUnsafeBytes(of: storage) { raw in
            var bytes = Array(raw[Self.unixPathOffset..<Self.unixPathOffset + used])
            if bytes.first == 0 { return "@" + String(decoding: bytes.dropFirst(), as: UTF8.self) }
            if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The file a Unix address names; nil for an abstract or unnamed one and for IP.
    public var unixPath: String? {
        guard family == .unix, let first = unixName.first, first != "@" else { return nil }
        return unixName
    }

    /// The address without the port: `127.0.0.1`, `::1`; for a Unix
    /// address its path or `@name`.
    /// The corresponding C function is `inet_ntop`.
    public var host: String {
        if family == .unix { return unixName }
        return withUnsafeBytes(of: storage) { raw -> String in
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

    /// The address's 4 or 16 bytes in network order; empty for a Unix address.
    public var ipBytes: [UInt8] {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case .v4: return withUnsafeBytes(of: raw.load(as: sockaddr_in.self).sin_addr) { Array($0) }
            case .v6: return withUnsafeBytes(of: raw.load(as: sockaddr_in6.self).sin6_addr) { Array($0) }
            case .unix: return []
            }
        }
    }

    /// `1.2.3.4:80`, `[::1]:80`, `unix:/run/app.sock` or `unix:@name`.
    public var description: String {
        switch family {
        case .v4: return "\(host):\(port)"
        case .v6: return "[\(host)]:\(port)"
        case .unix: return "unix:" + (unixName.isEmpty ? "(unnamed)" : unixName)
        }
    }

    /// How errors and reports name a socket of `transport` at this address:
    /// `127.0.0.1:7/tcp`; a Unix address needs no suffix.
    public func named(_ transport: Transport) -> String {
        family == .unix ? description : "\(description)/\(transport)"
    }

    /// Lends the C structure to a socket call.
    public func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
