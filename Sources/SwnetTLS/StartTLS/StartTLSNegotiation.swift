import SwnetCore
import SwnetSocket

/// Drives a STARTTLS dialogue over a connected plaintext socket, up to the
/// moment the TLS handshake may begin on the same socket.
public enum StartTLSNegotiation {
    /// Speaks `dialogue` on `socket` (connected, non-blocking) until the
    /// server agrees to TLS, or `deadline` passes (exit 5). `trace` sees
    /// every byte either way (`sent` true for ours), for -vv.
    public static func run(_ dialogue: any StartTLSDialogue, on socket: Socket, until deadline: MonotonicClock.Instant,
                           trace: ((_ sent: Bool, _ bytes: [UInt8]) -> Void)? = nil) throws {
        var dialogue = dialogue
        let opening = dialogue.opening()
        var step = opening.isEmpty ? StartTLSStep.read : .send(opening)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            switch step {
            case .handshake:
                return
            case .send(let bytes):
                trace?(true, bytes)
                try send(bytes, on: socket, until: deadline)
                step = .read
            case .read:
                guard try socket.wait(for: .readable, timeout: max(.zero, deadline - .now)) else {
                    throw timedOut
                }
                let result = try buffer.withUnsafeMutableBytes { try Descriptor.read(socket.descriptor, into: $0) }
                guard case .done(let count) = result else { continue }
                guard count > 0 else { throw dialogue.closed() }
                let bytes = Array(buffer[..<count])
                trace?(false, bytes)
                step = try dialogue.receive(bytes)
            }
        }
    }

    private static let timedOut = SwnetError(.timeout, "the STARTTLS dialogue did not finish in time")

    private static func send(_ bytes: [UInt8], on socket: Socket, until deadline: MonotonicClock.Instant) throws {
        var sent = 0
        while sent < bytes.count {
            let result = try bytes[sent...].withUnsafeBytes { try socket.send($0) }
            switch result {
            case .done(let count):
                sent += count
            case .wouldBlock:
                guard try socket.wait(for: .writable, timeout: max(.zero, deadline - .now)) else {
                    throw timedOut
                }
            }
        }
    }
}
