import SwnetCore

/// The lowest TLS version a side accepts (`--tls-min`).
public enum TLSVersion: String, CaseIterable, Sendable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}

/// A public-key pin: the base64 SHA-256 of the leaf's SubjectPublicKeyInfo,
/// written `sha256:BASE64` (curl's `sha256//BASE64` is read too).
public struct KeyPin: Equatable, Sendable, CustomStringConvertible {
    public let base64: String

    public init(base64: String) { self.base64 = base64 }

    public init(parsing text: String) throws {
        let body: Substring
        if text.hasPrefix("sha256:") { body = text.dropFirst(7) }
        else if text.hasPrefix("sha256//") { body = text.dropFirst(8) }
        else { throw SwnetError.usage("invalid value '\(text)' for --pin: expected sha256:BASE64 (the key's SHA-256 in base64)") }
        // A SHA-256 is 32 bytes: 44 base64 characters ending in one '='.
        guard body.count == 44, body.hasSuffix("="), body.dropLast().allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber || $0 == "+" || $0 == "/" }) else {
            throw SwnetError.usage("invalid value '\(text)' for --pin: the part after sha256: must be 44 base64 characters")
        }
        base64 = String(body)
    }

    public var description: String { "sha256:\(base64)" }
}

/// What one side of a TLS connection is configured to do. Verification is
/// on unless `insecure` says otherwise.
public struct TLSConfiguration: Sendable {
    public enum Role: Sendable { case client, server }

    public var role: Role
    /// Extra trust: a PEM file of CAs or a hashed directory (`--cacert`).
    /// The client trusts the system store besides.
    public var trustedCAs: String?
    /// Skip verification of the peer's certificate (`-k`); the result is
    /// still computed and reported.
    public var insecure = false
    /// The name sent as SNI and checked against the certificate; nil uses
    /// the host connected to (never an IP literal as SNI).
    public var serverName: String?
    /// Protocols offered by ALPN, most preferred first.
    public var alpn: [String] = []
    public var minimumVersion: TLSVersion?
    /// Our own certificate (chain, PEM) and its private key: a client
    /// certificate, or the server's.
    public var certificateFile: String?
    public var keyFile: String?
    /// The server makes its own self-signed certificate for these names
    /// and addresses when it has no `certificateFile`.
    public var selfSignedNames: [String] = ["localhost"]
    /// Server: require a client certificate issued by these CAs (`--client-ca`).
    public var clientCAs: String?
    /// The leaf's key must have this hash, even with `insecure`.
    public var pin: KeyPin?
    public var handshakeTimeout: Duration = .seconds(10)

    public init(role: Role) { self.role = role }
}
