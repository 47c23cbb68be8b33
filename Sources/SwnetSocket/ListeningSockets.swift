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
    /// The files of Unix-domain listeners, removed with `removeSocketFiles()`.
    public private(set) var socketFiles: [UnixSocketFile] = []

    /// Binds every address for every transport. Port 0 takes a free port
    /// at the first bind and uses that port for the rest, so a script reads
    /// one number. An `optional` address the system lacks (IPv6 turned off)
    /// is skipped; any other failure is thrown. A Unix-domain address has
    /// no port and gets one socket, worker 0's.
    public init(addresses: [(address: SocketAddress, optional: Bool)], port: UInt16, transports: [Transport], copies: Int) throws {
        stream = Array(repeating: [], count: copies)
        datagram = Array(repeating: [], count: copies)
        var port = port
        for (address, optional) in addresses {
            for transport in transports {
                if address.family == .unix {
                    let socket = try Socket(family: .unix, transport: transport)
                    if address.unixPath == nil {
                        try socket.bind(to: address)                                         // abstract: no file
                    } else {
                        socketFiles.append(try UnixSocketFile(binding: socket, to: address))
                    }
                    if transport == .tcp {
                        try socket.listen()
                        stream[0].append(socket)
                    } else {
                        datagram[0].append(socket)
                    }
                    reports.append(Report(address: address, transport: transport))
                    continue
                }
                var target = address
                target.port = port
                do {
                    // A plain bind first: it takes the free port for port 0, and it
                    // fails on a port another server holds, which SO_REUSEPORT
                    // would otherwise quietly share.
                    let probe = try Self.bind(target, transport: transport, shared: false)
                    target.port = try probe.localAddress().port
                    probe.close()
                    let bound = try (0..<copies).map { _ in try Self.bind(target, transport: transport, shared: copies > 1) }
                    port = target.port
                    for (index, socket) in bound.enumerated() {
                        if transport == .tcp {
                            try socket.listen()
                            stream[index].append(socket)
                        } else {
                            datagram[index].append(socket)
                        }
                    }
                    reports.append(Report(address: target, transport: transport))
                } catch let error as SwnetError where optional && error.errno?.isAddressUnavailable == true {
                    continue
                }
            }
        }
    }

    /// Removes the files of our Unix-domain sockets, when the server stops.
    public func removeSocketFiles() {
        socketFiles.forEach { $0.remove() }
    }

    private static func bind(_ address: SocketAddress, transport: Transport, shared: Bool) throws -> Socket {
        let socket = try Socket(family: address.family, transport: transport)
        if transport == .tcp { try socket.allowAddressReuse() }
        if shared { try socket.allowPortSharing() }
        if address.family == .v6 { try socket.restrictToIPv6() }
        try socket.bind(to: address)
        return socket
    }
}
