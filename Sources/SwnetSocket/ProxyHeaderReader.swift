import Glibc
import SwnetCore

/// Takes a PROXY header off the front of an accepted connection, and not
/// one byte more: the header is looked at with MSG_PEEK and only its own
/// bytes are read, so what follows (a TLS ClientHello, a request) stays in
/// the socket for whoever reads next.
public enum ProxyHeaderReader {
    public enum Outcome {
        /// The header has not all arrived: look again later.
        case incomplete
        case header(ProxyHeader)
    }

    /// The corresponding C function is `recv` (with MSG_PEEK, then without).
    public static func take(from socket: Socket) throws -> Outcome {
        var peeked = [UInt8](repeating: 0, count: ProxyHeader.v2MaximumLength)
        let result = try peeked.withUnsafeMutableBytes { buffer in
            try syscall("recv") { recv(socket.descriptor, buffer.baseAddress, buffer.count, Int32(MSG_PEEK)) }
        }
        guard case .done(let count) = result else { return .incomplete }
        if count == 0 { throw ProxyHeader.Invalid(reason: "the client closed before sending a PROXY header") }
        guard case .header(let header, let length) = try ProxyHeader.parse(Array(peeked[..<count])) else { return .incomplete }
        var consumed = 0
        while consumed < length {
            let step = try peeked.withUnsafeMutableBytes { buffer in
                try syscall("recv") { recv(socket.descriptor, buffer.baseAddress, length - consumed, 0) }
            }
            guard case .done(let count) = step, count > 0 else { throw ProxyHeader.Invalid(reason: "the PROXY header could not be read again") }
            consumed += count
        }
        return .header(header)
    }
}
