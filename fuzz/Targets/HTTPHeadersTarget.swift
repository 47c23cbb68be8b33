/// A response's header block as the server sends it, its JSON form, and
/// Retry-After read from it (seconds or an HTTP date).
enum HTTPHeadersTarget {
    /// 2024-05-17T12:00:00Z.
    static let now: Int64 = 1_715_947_200

    static func run(_ input: FuzzInput) {
        let headers = ResponseHeaders(parsing: input.bytes)
        _ = headers.statusText
        _ = headers.json.rendered
        for field in headers.fields {
            require(field.name == field.name.lowercased(), "field name '\(field.name)' is not lower-cased")
            require(field.value == ResponseHeaders.trimmed(Substring(field.value)), "value '\(field.value)' is not trimmed")
        }
        let policy = RetryPolicy(retries: 3, delay: .seconds(1))
        for value in [headers.value("retry-after"), input.text].compactMap({ $0 }) {
            guard let wait = RetryAfter.parse(value, now: now) else { continue }
            require(wait >= .zero, "Retry-After '\(value)' asks for a negative wait")
            let actual = policy.wait(beforeRetry: 1, retryAfter: wait)
            require(actual >= .zero && actual <= RetryPolicy.longestWait, "Retry-After '\(value)' waits \(actual)")
        }
    }
}
