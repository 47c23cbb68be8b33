/// What one GET asks of the cache: its URL, the header fields it is sent
/// with (for `Vary`, `Cache-Control`, `Pragma` and `Authorization`), and
/// whether the user wants the stored answer checked even when fresh.
struct CacheRequest {
    let url: String
    /// The request's fields as swnet sends them, names lower-cased, the
    /// last one of a name winning (as `-H` replaces swnet's own).
    let fields: [(name: String, value: String)]
    /// `--no-cache`: revalidate whatever is stored.
    let revalidate: Bool

    init(url: String, fields: [(name: String, value: String)], revalidate: Bool) {
        self.url = url
        self.fields = fields
        self.revalidate = revalidate
    }

    func value(_ name: String) -> String? { fields.last { $0.name == name }?.value }

    /// The request's own directives; `Pragma: no-cache` counts as
    /// `no-cache` when there is no Cache-Control (RFC 9111 section 5.4).
    var cacheControl: CacheControl {
        var control = CacheControl(value("cache-control"))
        if value("cache-control") == nil, let pragma = value("pragma"),
           CacheControl.directives(pragma).contains(where: { $0.name == "no-cache" }) {
            control.noCache = true
        }
        return control
    }

    /// Credentials go with the request: `-u`, a user in the URL, or an
    /// `Authorization` field of `-H`.
    var hasAuthorization: Bool { value("authorization") != nil }

    /// Why this request must neither read nor fill the cache, nil when it may.
    /// Fields of the user's that make the answer partial or conditional
    /// (`Range`, `If-*`) are the user's business: their answer is not the
    /// whole stored one. A request `no-store` forbids storing anything
    /// (section 5.2.1.5).
    var bypassReason: String? {
        if let name = fields.first(where: { $0.name == "range" || $0.name.hasPrefix("if-") })?.name {
            return "the request has its own \(name)"
        }
        if cacheControl.noStore { return "the request says no-store" }
        if url.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "control characters in the URL" }
        return nil
    }
}
