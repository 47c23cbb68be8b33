import CCurl
import Glibc
import SwnetCLI
import SwnetCore
import SwnetTransfer

/// The options every libcurl command takes, declared once, and how they
/// set up a handle: TLS verification and client certificate, timeouts,
/// the `-vv` transcript.
enum TransferOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("insecure", short: "k", help: "Do not verify the server's TLS certificate"),
        OptionSpec("cacert", .file, help: "Trust the CA certificates in FILE (PEM)"),
        OptionSpec("cert", .file, help: "TLS: our client certificate (PEM, chain allowed); with --key"),
        OptionSpec("key", .file, help: "TLS: the private key of --cert (PEM)"),
        OptionSpec("connect-timeout", .limit, default: "10s", help: "Give up connecting after DUR"),
        OptionSpec("max-time", .limit, help: "Give up when the whole transfer takes longer than DUR, retries and the waits between them included"),
    ]

    /// Fails on the files the options name that cannot be read, and on a
    /// certificate without its key: a command with several transfers
    /// calls this first, so that it fails once, before any of them.
    static func check(_ invocation: Invocation) throws {
        if let file = invocation.text("cacert"), access(file, R_OK) != 0 {
            throw SwnetError(.local, "cannot read the CA certificates (--cacert)").adding(file)
        }
        // As for connect --tls: a certificate is of no use without its key.
        switch (invocation.text("cert"), invocation.text("key")) {
        case (let certificate?, let key?):
            guard access(certificate, R_OK) == 0 else { throw SwnetError(.local, "cannot read the client certificate (--cert)").adding(certificate) }
            guard access(key, R_OK) == 0 else { throw SwnetError(.local, "cannot read the private key (--key)").adding(key) }
        case (nil, nil):
            break
        default:
            throw SwnetError.usage("--cert and --key go together: give both or neither")
        }
    }

    /// Applies the common options, once `check` has passed. libcurl
    /// reads the proxy variables (http_proxy, https_proxy, ftp_proxy,
    /// all_proxy, no_proxy) itself; http-get's and ftp-list's `-x`
    /// (`FetchOptions`) comes before them.
    static func apply(_ invocation: Invocation, to handle: EasyHandle, console: Console) throws {
        if invocation.isSet("insecure") {
            try handle.set(CURLOPT_SSL_VERIFYPEER, false)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let file = invocation.text("cacert") { try handle.set(CURLOPT_CAINFO, file) }
        if let certificate = invocation.text("cert"), let key = invocation.text("key") {
            try handle.set(CURLOPT_SSLCERT, certificate)
            try handle.set(CURLOPT_SSLKEY, key)
        }
        let connectTimeout = Int(invocation.duration("connect-timeout")!.milliseconds)
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout)
        // Active FTP: how long the server may take to connect back.
        try handle.set(CURLOPT_ACCEPTTIMEOUT_MS, connectTimeout)
        if let limit = invocation.duration("max-time") { try handle.set(CURLOPT_TIMEOUT_MS, max(1, Int(limit.milliseconds))) }
        if console.verbosity >= 2 && !console.quiet {
            let transcript = Transcript(console: console)
            handle.onDebug = { transcript.record($0, $1) }
            try handle.traceProtocol()
        }
    }
}
