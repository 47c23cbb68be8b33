/// The rules of RFC 9111 for a private cache of GET answers: whether a
/// stored answer may be used as it is, must be revalidated, or is no use;
/// which answers may be stored; what a revalidation sends; whether a `304`
/// is about the stored answer.
///
/// The cache keeps one answer per URL: a request whose `Vary` fields do not
/// match the stored answer's is fetched, and its answer replaces the old one.
/// A stored answer is never served stale: without a fresh one, the server
/// is asked, and when asking fails, the fetch fails.
enum CachePolicy {
    /// What to do for a request, given what is stored for its URL.
    enum Decision: Equatable {
        /// Fresh: serve the stored answer without asking; its age in seconds.
        case hit(age: Int64)
        /// Ask the server with these conditional fields (`If-None-Match: ...`).
        case revalidate([String])
        /// Nothing usable is stored: a plain request, whose answer may be stored.
        case fetch
    }

    static func decide(_ request: CacheRequest, entry: CacheEntry?, now: Int64) -> Decision {
        guard let entry, varyMatches(entry, request) else { return .fetch }
        let response = CacheControl(entry.head.value("cache-control"))
        let wanted = request.cacheControl
        let freshness = Freshness(entry.head, requestTime: entry.requestTime, responseTime: entry.responseTime, now: now)
        var usable = freshness.isFresh && !response.noCache && !wanted.noCache && !request.revalidate
        if let maxAge = wanted.maxAge, freshness.age > maxAge { usable = false }
        if let minFresh = wanted.minFresh, freshness.lifetime - freshness.age < minFresh { usable = false }
        if usable { return .hit(age: freshness.age) }
        let conditions = conditionalFields(entry.head)
        return conditions.isEmpty ? .fetch : .revalidate(conditions)
    }

    /// Section 4.1: every field the stored answer's `Vary` names has the
    /// same value in this request as in the one that brought it (compared
    /// after trimming; absent matches absent).
    static func varyMatches(_ entry: CacheEntry, _ request: CacheRequest) -> Bool {
        entry.vary.allSatisfy { request.value($0.name) == $0.value }
    }

    /// The conditional fields of a revalidation (section 4.3.1): the stored
    /// `ETag` as `If-None-Match`, the stored `Last-Modified` as
    /// `If-Modified-Since`; none when the answer has neither.
    static func conditionalFields(_ head: ResponseHead) -> [String] {
        var fields: [String] = []
        if let tag = head.value("etag") { fields.append("If-None-Match: \(tag)") }
        if let modified = head.value("last-modified") { fields.append("If-Modified-Since: \(modified)") }
        return fields
    }

    /// Whether a `304` is about the stored answer (section 4.3.4): when it
    /// carries an entity tag, it must be the stored one (compared weakly,
    /// as If-None-Match compares).
    static func selects(stored: ResponseHead, notModified: ResponseHead) -> Bool {
        guard let tag = notModified.value("etag") else { return true }
        guard let storedTag = stored.value("etag") else { return false }
        func opaque(_ tag: String) -> Substring { tag.hasPrefix("W/") ? tag.dropFirst(2) : Substring(tag) }
        return opaque(tag) == opaque(storedTag)
    }

    /// Why an answer may not be stored, nil when it may (section 3, and 3.5
    /// for requests with credentials). Only a `200` that came without a
    /// redirect is stored, and only when it can be reused: it has a
    /// lifetime (`max-age`, `Expires`) or a validator (`ETag`,
    /// `Last-Modified`). The entry never holds a credential of the request.
    static func refusal(_ request: CacheRequest, head: ResponseHead, status: Int, redirected: Bool) -> String? {
        let control = CacheControl(head.value("cache-control"))
        if control.noStore { return "no-store" }
        if status != 200 { return "status \(status)" }
        if redirected { return "reached through a redirect" }
        let varied = varyNames(head)
        if varied.contains("*") { return "Vary: *" }
        // The entry keeps the request's values of the Vary fields: never a credential.
        if let secret = varied.first(where: { ["authorization", "proxy-authorization", "cookie"].contains($0) && request.value($0) != nil }) {
            return "it varies on \(secret), which the request carries"
        }
        if request.hasAuthorization && !control.isPublic && !control.mustRevalidate && control.sharedMaxAge == nil {
            return "sent with credentials, and not marked public, must-revalidate or s-maxage"
        }
        if control.maxAge == nil && head.value("expires") == nil && head.value("etag") == nil && head.value("last-modified") == nil {
            return "no max-age, Expires, ETag or Last-Modified"
        }
        return nil
    }

    /// The field names of the head's `Vary`, lower-cased.
    static func varyNames(_ head: ResponseHead) -> [String] {
        guard let vary = head.value("vary") else { return [] }
        return vary.utf8.split(separator: UInt8(ascii: ",")).map { ResponseHead.trimmed($0).lowercased() }.filter { !$0.isEmpty }
    }

    /// What the entry keeps of the request: its values of the `Vary` fields.
    static func varyValues(_ head: ResponseHead, _ request: CacheRequest) -> [CacheEntry.VaryValue] {
        varyNames(head).map { CacheEntry.VaryValue(name: $0, value: request.value($0)) }
    }
}
