import COpenSSL
import Glibc

/// Certificate times as RFC 3339 UTC text and as Unix time.
enum TLSTime {
    static func iso8601(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        guard let time, let seconds = unixTime(time) else { return "?" }
        return iso8601(seconds)
    }

    /// `2026-12-21T20:48:00Z`.
    static func iso8601(_ unixTime: Int) -> String {
        var clock = time_t(unixTime)
        var parts = tm()
        gmtime_r(&clock, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func unixTime(_ time: UnsafePointer<ASN1_TIME>) -> Int? {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Int(timegm(&parts))
    }
}
