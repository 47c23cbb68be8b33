import SwnetCore

/// The plaintext part of a STARTTLS connection: the protocol's own words
/// that lead to "go ahead, start TLS". A dialogue only decides; the
/// driver (`StartTLSNegotiation`) moves the bytes.
///
/// Errors are `SwnetError`s: a server that refuses the upgrade, or greets
/// with an error, is exit 8 with its reply; one that does not speak the
/// protocol, or closes, is exit 1; one that sends bytes after agreeing
/// and before the handshake is exit 6 (those bytes could have been
/// injected by someone on the path, and must never reach the TLS layer).
public protocol StartTLSDialogue {
    /// What to send before the server says anything (PostgreSQL's
    /// SSLRequest); empty when the server speaks first.
    mutating func opening() -> [UInt8]
    /// Takes the bytes the server sent and says what to do next.
    mutating func receive(_ bytes: [UInt8]) throws -> StartTLSStep
    /// The server closed the connection: the error that says at which point.
    func closed() -> SwnetError
}

/// What a dialogue asks the driver to do next.
public enum StartTLSStep: Equatable, Sendable {
    /// Send these bytes, then read the answer.
    case send([UInt8])
    /// Read more: the server's reply is not complete.
    case read
    /// The server agreed: start the TLS handshake now.
    case handshake
}
