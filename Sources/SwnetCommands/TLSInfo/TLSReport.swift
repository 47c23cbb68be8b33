import SwnetCore
import SwnetSocket
import SwnetTLS

/// What tls-info learnt about one target, and how it is shown: as text
/// for a person, as one JSON object for a script.
struct TLSReport {
    let target: TLSProbe.Target
    let address: SocketAddress
    let startTLS: StartTLSProtocol?
    let info: TLSSessionInfo
    /// The name the certificate was checked against (nil: none, an IP literal is checked as an address).
    let verifiedName: String?
    /// Leaf first, as the server sent it.
    let chain: [CertificateSummary]
    let ocsp: OCSPStaple?
    /// Unix time of the check: days left count from here.
    let checkedAt: Int

    /// The certificate that expires first, the one --expires-within is about.
    var soonestToExpire: CertificateSummary? { chain.min { $0.notAfter < $1.notAfter } }

    /// What makes this target a failure: a chain that did not verify, or a
    /// stapled OCSP answer that says revoked (unless `insecure`), or, with
    /// `expiresWithin`, a certificate that expires within it. Nil when it passes.
    func failure(insecure: Bool, expiresWithin: Duration?) -> SwnetError? {
        let peer = "\(address)/tcp"
        if !info.verified && !insecure {
            let fingerprint = chain.first.map { " (leaf SHA-256 fingerprint \($0.sha256); -k reports without failing)" } ?? ""
            return SwnetError(.tls, "certificate verification failed: \(info.verifyFailure ?? "unknown reason")\(fingerprint)").adding(peer)
        }
        if let ocsp, ocsp.status == "revoked", !insecure {
            let when = ocsp.revokedAt.map { " on \(Self.time($0))" } ?? ""
            return SwnetError(.tls, "the stapled OCSP answer says the certificate was revoked\(when)").adding(peer)
        }
        if let expiresWithin, let soonest = soonestToExpire, soonest.notAfter - checkedAt < Int(expiresWithin.milliseconds / 1000) {
            let days = soonest.daysLeft(at: checkedAt)
            let when = days < 0 ? "expired \(counted(-days, "day")) ago" : "expires in \(counted(days, "day"))"
            return SwnetError(.tls, "the certificate \(soonest.subject) \(when) (\(Self.time(soonest.notAfter))), within --expires-within \(TimeSpan.format(expiresWithin))")
                .adding(peer)
        }
        return nil
    }

    var text: String {
        var lines = ["\(target.text) (\(address.host)\(startTLS.map { ", STARTTLS \($0.rawValue)" } ?? ""))"]
        if info.verified {
            lines.append("  verified:  yes" + (verifiedName.map { ", for \($0)" } ?? ""))
        } else {
            lines.append("  verified:  NO: \(info.verifyFailure ?? "unknown reason")")
        }
        lines.append("  protocol:  \(info.version), cipher \(info.cipher), ALPN \(info.alpn ?? "none")")
        lines.append("  OCSP:      " + (ocsp.map(Self.describe) ?? "not stapled"))
        for (index, certificate) in chain.enumerated() {
            let days = certificate.daysLeft(at: checkedAt)
            lines += [
                "  certificate \(index): \(certificate.subject)",
                "    issuer:    \(certificate.issuer)",
                "    names:     \(certificate.subjectAlternativeNames.isEmpty ? "none" : certificate.subjectAlternativeNames.joined(separator: ", "))",
                "    valid:     \(Self.time(certificate.notBefore)) to \(Self.time(certificate.notAfter)), " +
                    (days < 0 ? "EXPIRED \(counted(-days, "day")) ago" : "\(counted(days, "day")) left"),
                "    key:       \(certificate.keyDescription), signature \(certificate.signatureAlgorithm)",
                "    sha256:    \(certificate.sha256)",
                "    serial:    \(certificate.serial)",
            ]
        }
        return lines.joined(separator: "\n")
    }

    /// The target's JSON object; `failure` is what `failure(...)` found.
    func json(failure: SwnetError?) -> JSONValue {
        .object(Self.identity(target) + [
            ("address", .string(address.host)),
            ("starttls", startTLS.map { .string($0.rawValue) } ?? .null),
            ("verified", .bool(info.verified)),
            ("verify_error", info.verifyFailure.map(JSONValue.string) ?? .null),
            ("name", verifiedName.map(JSONValue.string) ?? .null),
            ("version", .string(info.version)),
            ("cipher", .string(info.cipher)),
            ("alpn", info.alpn.map(JSONValue.string) ?? .null),
            ("ocsp", ocsp?.json ?? .null),
            ("days_left", soonestToExpire.map { .int($0.daysLeft(at: checkedAt)) } ?? .null),
            ("chain", .array(chain.map { certificate in
                guard case .object(let fields) = certificate.json else { return certificate.json }
                return .object(fields + [("days_left", .int(certificate.daysLeft(at: checkedAt)))])
            })),
            ("error", failure?.json ?? .null),
        ])
    }

    /// The JSON object of a target that gave no report at all.
    static func json(_ target: TLSProbe.Target, error: SwnetError) -> JSONValue {
        .object(identity(target) + [("error", error.json)])
    }

    private static func identity(_ target: TLSProbe.Target) -> [(String, JSONValue)] {
        [("target", .string(target.text)), ("host", .string(target.host)), ("port", .int(Int(target.port)))]
    }

    private static func describe(_ staple: OCSPStaple) -> String {
        var parts = [staple.status]
        if let revokedAt = staple.revokedAt { parts.append("revoked \(time(revokedAt))") }
        if let thisUpdate = staple.thisUpdate { parts.append("this update \(time(thisUpdate))") }
        if let nextUpdate = staple.nextUpdate { parts.append("next update \(time(nextUpdate))") }
        parts.append(staple.verified ? "signature verified" : "signature NOT verified")
        return parts.joined(separator: ", ")
    }

    private static func time(_ unixTime: Int) -> String { CertificateSummary.rfc3339(unixTime) }
}
