import SwnetCLI
import SwnetCore
import SwnetTLS

/// `swnet tls-info`: the certificate check people script — is the chain
/// valid, and when does it expire?
enum TLSInfoCommand: Command {
    static let name = "tls-info"
    static let spec = CommandSpec(
        name, summary: "Check servers' TLS: verification, the chain, days left",
        usage: "[options] HOST:PORT...",
        arguments: [
            ArgumentSpec("HOST:PORT", .host, variadic: true,
                         help: "The servers to check: name:port, 1.2.3.4:port, [::1]:port, or a host alone for port 443 (with --starttls, the protocol's port)"),
        ],
        options: [
            TLSOptions.startTLSSpec,
            OptionSpec("expires-within", .duration, help: "Fail (exit 6) when a certificate of a chain that verifies expires within DUR, such as 30d"),
            OptionSpec("connect-timeout", .limit, default: "10s", help: "Give up on a target after DUR: connecting, STARTTLS and the TLS handshake together"),
            OptionSpec("concurrency", .integer(1...100), default: "16", help: "Check at most N targets at once"),
        ] + TLSOptions.clientSpecs,
        discussion: [
            "For each target swnet connects, runs the --starttls dialogue when given, asks for a stapled OCSP answer, and handshakes. It prints the verification result (against the system's CAs and --cacert, and the host name, or the address for an IP literal), the protocol version, cipher and ALPN protocol, the OCSP answer, and for each certificate the server sent: subject, issuer, subject alternative names, validity and days left, key type and size, signature algorithm, SHA-256 fingerprint and serial.",
            "The chain is printed even when it does not verify; the target then fails with exit 6 and the reason, as it does when the server staples an OCSP answer that says revoked. -k reports the result without failing on it. --expires-within makes a certificate that expires within DUR a failure too, exit 6 as for any certificate that does not pass (a certificate already expired fails verification); the message gives the days left. SNI is the host name given, never an IP address; --servername overrides it.",
            "Several targets are checked concurrently and reported in the order given. The exit status is 0 when every target passed, 9 when some did, else the first failure's: 3 a name did not resolve, 4 refused, 5 timed out, 6 TLS or certificate, 8 the server refused STARTTLS.",
            "--json writes one object per target (one document, or one line each for several targets): target, host, port, address, starttls, verified, verify_error, name, version, cipher, alpn, ocsp (status, this_update, next_update, revoked_at, verified; null when nothing was stapled), days_left (of the certificate that expires first), chain (each: subject, issuer, sans, not_before, not_after, days_left, key_type, key_bits, curve, signature_algorithm, sha256, serial), and error (null when the target passed). A target that could not be reached has only target, host, port and error.",
        ],
        examples: [
            Example("swnet tls-info example.com", "The chain of example.com:443 and whether it verifies"),
            Example("swnet tls-info -q --expires-within 30d example.com:443 example.org:443 || echo renew", "A cron check: exit 6 (or 9) when a certificate expires within 30 days"),
            Example("swnet tls-info --starttls smtp mail.example.com:25", "The certificate of a mail server, after STARTTLS"),
            Example("swnet --json tls-info example.com | jq '.chain[0].not_after'", "The leaf's expiry, for a script"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let startTLS = TLSOptions.startTLS(invocation)
        let targets = try invocation.arguments.map { try TLSProbe.Target($0, defaultPort: startTLS?.standardPort ?? 443) }
        // The handshake always completes, so a chain that does not verify is still shown; the verdict is the report's.
        var configuration = try TLSOptions.client(invocation)
        let insecure = configuration.insecure
        configuration.insecure = true
        let tlsContext = try TLSContext(configuration)
        tlsContext.warnings.forEach(console.note)
        if insecure { console.note("warning: -k: a certificate that does not verify is reported, not a failure") }

        let probe = TLSProbe(context: tlsContext, startTLS: startTLS, family: context.family,
                             timeout: invocation.duration("connect-timeout")!,
                             trace: console.verbosity >= 2 && !console.quiet ? { sent, bytes in
                                 console.err.write(bytes.withUnsafeBytes { DataTrace.lines($0, prefix: sent ? "> " : "< ") })
                             } : nil)
        let outcomes = try probe.runAll(targets, concurrency: invocation.integer("concurrency")!)
        let expiresWithin = invocation.duration("expires-within")

        var failures: [SwnetError?] = []
        for (index, (target, outcome)) in zip(targets, outcomes).enumerated() {
            switch outcome {
            case .success(let report):
                let failure = report.failure(insecure: insecure, expiresWithin: expiresWithin)
                failures.append(failure)
                if console.json {
                    console.emit(report.json(failure: failure))
                } else {
                    console.line((index > 0 ? "\n" : "") + report.text)
                    if let failure { console.report(failure, command: spec.name) }
                }
            case .failure(let error):
                failures.append(error)
                if console.json {
                    console.emit(TLSReport.json(target, error: error))
                } else {
                    console.report(error, command: spec.name)
                }
            }
        }
        let failed = failures.compactMap { $0 }.count
        if failed > 0 && failed < targets.count { console.note("\(spec.name): \(failed) of \(targets.count) targets failed") }
        return ExitCode.overall(failures)
    }
}
