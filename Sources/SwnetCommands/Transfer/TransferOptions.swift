import CCurl
import Glibc
import SwnetCLI
import SwnetCore
import SwnetTransfer

/// The options every libcurl command takes, declared once, and how they
/// set up a handle: TLS verification, timeouts, the `-vv` transcript.
enum TransferOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("insecure", short: "k", help: "Do not verify the server's TLS certificate"),
        OptionSpec("cacert", .file, help: "Trust the CA certificates in FILE (PEM)"),
        OptionSpec("connect-timeout", .duration, default: "10s", help: "Give up connecting after DUR"),
        OptionSpec("max-time", .duration, help: "Give up when the whole transfer takes longer than DUR"),
    ]

    /// Applies the common options. libcurl reads the proxy variables
    /// (http_proxy, https_proxy, ftp_proxy, all_proxy, no_proxy) itself.
    static func apply(_ invocation: Invocation, to handle: EasyHandle, console: Console) throws {
        if invocation.isSet("insecure") {
            try handle.set(CURLOPT_SSL_VERIFYPEER, false)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let file = invocation.text("cacert") {
            guard access(file, R_OK) == 0 else { throw SwnetError(.local, "cannot read the CA certificates (--cacert)").adding(file) }
            try handle.set(CURLOPT_CAINFO, file)
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
