import SwnetCLI
import SwnetCore
import SwnetTLS

/// The TLS options, declared once: the client's (connect, tls-info, and
/// later listen and forward) and the server's (serve), and how each
/// becomes a `TLSConfiguration`.
enum TLSOptions {
    /// `--tls` and its ncat spelling `--ssl`.
    static let switchSpecs: [OptionSpec] = [
        OptionSpec("tls", help: "Speak TLS over the connection, verifying the peer's certificate"),
        OptionSpec("ssl", help: "The same as --tls"),
    ]

    /// What a TLS client can set.
    static let clientSpecs: [OptionSpec] = [
        OptionSpec("cacert", .file, placeholder: "FILE|DIR", help: "TLS: also trust the CA certificates in FILE (PEM) or the hashed directory DIR"),
        OptionSpec("insecure", short: "k", help: "TLS: do not verify the server's certificate (the result is still reported)"),
        OptionSpec("servername", .host, placeholder: "NAME", help: "TLS: send NAME as SNI and check the certificate against it (default: the host, unless an IP address)"),
        OptionSpec("alpn", .text, placeholder: "LIST", help: "TLS: offer these protocols by ALPN, comma-separated (h2,http/1.1)"),
        OptionSpec("tls-min", .choice(TLSVersion.allCases.map(\.rawValue)), placeholder: "VERSION", help: "TLS: accept no version below this"),
        OptionSpec("cert", .file, help: "TLS: our certificate (PEM, chain allowed); with --key"),
        OptionSpec("key", .file, help: "TLS: the private key of --cert (PEM)"),
        OptionSpec("pin", .text, placeholder: "sha256:BASE64", help: "TLS: require the server's public key to have this SHA-256 (exit 6 otherwise, even with -k)"),
    ]

    /// `--starttls PROTO`: a plaintext session of PROTO upgraded before the handshake.
    static let startTLSSpec = OptionSpec(
        "starttls", .choice(StartTLSProtocol.allCases.map(\.rawValue)), placeholder: "PROTO",
        help: "TLS: first upgrade a plaintext session of PROTO, as openssl s_client -starttls does; a refusal exits 8 with the server's reply")

    /// The protocol of `--starttls`, nil without it.
    static func startTLS(_ invocation: Invocation) -> StartTLSProtocol? {
        invocation.text("starttls").flatMap(StartTLSProtocol.init(rawValue:))
    }

    /// What a TLS server can set.
    static let serverSpecs: [OptionSpec] = [
        OptionSpec("tls", help: "Serve over TLS (TCP only); without --cert, with a self-signed certificate made at start"),
        OptionSpec("cert", .file, help: "TLS: the server's certificate (PEM, chain allowed); with --key"),
        OptionSpec("key", .file, help: "TLS: the private key of --cert (PEM); warned about when others can read it"),
        OptionSpec("client-ca", .file, help: "TLS: require client certificates issued by the CAs in FILE"),
        OptionSpec("handshake-timeout", .limit, default: "10s", help: "TLS: close a client whose handshake takes longer than DUR"),
    ]

    /// What a forwarder sets for its TLS connections to the backends.
    static let backendSpecs: [OptionSpec] = [
        OptionSpec("backend-tls", help: "Speak TLS to the backends, verifying their certificates"),
        OptionSpec("backend-cacert", .file, placeholder: "FILE|DIR", help: "Backend TLS: also trust the CA certificates in FILE (PEM) or the hashed directory DIR"),
        OptionSpec("backend-servername", .host, placeholder: "NAME", help: "Backend TLS: send NAME as SNI and check certificates against it (default: each backend's host)"),
        OptionSpec("insecure", short: "k", help: "Backend TLS: do not verify the backends' certificates"),
    ]

    /// The client configuration `--backend-tls` and its options describe; nil without it.
    static func backend(_ invocation: Invocation) throws -> TLSConfiguration? {
        guard invocation.isSet("backend-tls") else {
            for spec in backendSpecs where invocation.isSet(spec.long) { throw SwnetError.usage("--\(spec.long) needs --backend-tls") }
            return nil
        }
        var configuration = TLSConfiguration(role: .client)
        configuration.trustedCAs = invocation.text("backend-cacert")
        configuration.insecure = invocation.isSet("insecure")
        configuration.serverName = invocation.text("backend-servername")
        return configuration
    }

    /// Whether `--tls` or `--ssl` was given.
    static func isRequested(_ invocation: Invocation) -> Bool {
        invocation.isSet("tls") || invocation.isSet("ssl")
    }

    /// The client configuration the options describe.
    static func client(_ invocation: Invocation) throws -> TLSConfiguration {
        var configuration = TLSConfiguration(role: .client)
        configuration.trustedCAs = invocation.text("cacert")
        configuration.insecure = invocation.isSet("insecure")
        configuration.serverName = invocation.text("servername")
        if let list = invocation.text("alpn") {
            configuration.alpn = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        configuration.minimumVersion = invocation.text("tls-min").flatMap(TLSVersion.init(rawValue:))
        configuration.certificateFile = invocation.text("cert")
        configuration.keyFile = invocation.text("key")
        configuration.pin = try invocation.text("pin").map(KeyPin.init(parsing:))
        return configuration
    }

    /// The server configuration the options describe; `names` are the
    /// host names and addresses a self-signed certificate is made for.
    static func server(_ invocation: Invocation, names: [String]) -> TLSConfiguration {
        var configuration = TLSConfiguration(role: .server)
        configuration.certificateFile = invocation.text("cert")
        configuration.keyFile = invocation.text("key")
        configuration.clientCAs = invocation.text("client-ca")
        configuration.handshakeTimeout = invocation.duration("handshake-timeout") ?? .seconds(10)
        configuration.selfSignedNames = ["localhost"] + names
        return configuration
    }

    /// Options that only mean something with --tls, given without it: a usage error.
    static func rejectWithoutTLS(_ invocation: Invocation, specs: [OptionSpec]) throws {
        for spec in specs where spec.long != "tls" && spec.long != "ssl" && spec.long != "handshake-timeout" && invocation.isSet(spec.long) {
            throw SwnetError.usage("--\(spec.long) needs --tls")
        }
    }
}
