import Glibc
import SwnetCore

/// The file a listening Unix-domain socket lives at.
///
/// A server that died leaves its socket file behind, and the next bind
/// fails with "address in use". The file is removed only when nothing
/// answers on it, so a running server is never robbed of its address.
/// Our own file is removed on `remove()` (or when released), unless
/// another process has replaced it meanwhile.
public final class UnixSocketFile {
    public let path: String
    private var identity: (device: dev_t, inode: ino_t)?

    /// Binds `socket` to the pathname address `address`, removing a stale
    /// file first; throws EADDRINUSE naming the path when a process listens
    /// there, and refuses to remove anything that is not a socket.
    public init(binding socket: Socket, to address: SocketAddress) throws {
        guard let path = address.unixPath else { preconditionFailure("UnixSocketFile needs a pathname address") }
        self.path = path
        do {
            try socket.bind(to: address)
        } catch let error as SwnetError where error.errno == Errno(EADDRINUSE) {
            try Self.removeIfStale(path, address: address, transport: socket.transport, original: error)
            try socket.bind(to: address)
        }
        identity = try Self.identity(of: path)
    }

    deinit { remove() }

    /// Removes the file if it is still the one we bound.
    public func remove() {
        guard let identity else { return }
        self.identity = nil
        guard let now = try? Self.identity(of: path), now.device == identity.device, now.inode == identity.inode else { return }
        _ = try? syscallValue("unlink") { unlink(path) }
    }

    private static func removeIfStale(_ path: String, address: SocketAddress, transport: Transport, original: SwnetError) throws {
        var status = stat()
        try SwnetError.context(address.description) { try syscallValue("lstat") { lstat(path, &status) } }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SwnetError(.local, "\(path) exists and is not a socket: not removed", errno: Errno(EEXIST)).adding(address.description)
        }
        let probe = try Socket(family: .unix, transport: transport)
        defer { probe.close() }
        do {
            _ = try probe.startConnect(to: address)   // at once, or would block on a full backlog: it listens
        } catch let error as SwnetError where error.errno == Errno(ECONNREFUSED) {
            try SwnetError.context(address.description) { try syscallValue("unlink") { unlink(path) } }   // stale: nothing listens
            return
        }
        throw SwnetError(.local, "address already in use: another process listens on it", errno: original.errno).adding(address.description)
    }

    private static func identity(of path: String) throws -> (device: dev_t, inode: ino_t) {
        var status = stat()
        try syscallValue("stat") { stat(path, &status) }
        return (status.st_dev, status.st_ino)
    }
}
