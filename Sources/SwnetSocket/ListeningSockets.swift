import SwnetCore

/// The sockets of a server, bound and listening before any is used, so the
/// ready report comes only once every one of them is in place.
///
/// Each address and transport gets `copies` sockets sharing the port
/// (SO_REUSEPORT): one per worker thread.
public struct ListeningSockets {
    /// One address, transport and port that is served.
    public struct Report {
        public let address: SocketAddress
        public let transport: Transport
    }

    /// stream[i] and datagram[i] belong to worker i.
    public private(set) var stream: [[Socket]]
    public private(set) var datagram: [[Socket]]
    public private(set) var reports: [Report] = []

    /// Binds every address for every transport. Port 0 takes a free port
    /// at the first bind and uses that port for the rest, so a script reads
    /// one number. An `optional` address the system lacks (IPv6 turned off)
    /// is skipped; any other failure is thrown.
    public init(addresses: [(address: SocketAddress, optional: Bool)], port: UInt16, transports: [Transport], copies: Int) throws {
        stream = Array(repeating: [], count: copies)
        datagram = Array(repeating: [], count: copies)
        var port = port
        for (address, optional) in addresses {
            for transport in transports {
                var target = address
                target.port = port
                do {
                    let bound = try (0..<copies).map { _ in try Self.listen(on: target, transport: transport) }
                    let local = try bound[0].localAddress()
                    port = local.port
                    for (index, socket) in bound.enumerated() {
                        if transport == .tcp { stream[index].append(socket) } else { datagram[index].append(socket) }
                    }
                    reports.append(Report(address: local, transport: transport))
                } catch let error as SwnetError where optional && error.errno?.isAddressUnavailable == true {
                    continue
                }
            }
        }
    }

    private static func listen(on address: SocketAddress, transport: Transport) throws -> Socket {
        let socket = try Socket(family: address.family, transport: transport)
        if transport == .tcp { try socket.allowAddressReuse() }
        try socket.allowPortSharing()
        if address.family == .v6 { try socket.restrictToIPv6() }
        try socket.bind(to: address)
        if transport == .tcp { try socket.listen() }
        return socket
    }
}
