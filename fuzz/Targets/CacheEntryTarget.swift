/// A cache entry's file as it lies on disk (another process, a crash or a
/// full disk may have left anything there): the preamble, the metadata and
/// the stored head, and what the policy makes of a stored answer.
enum CacheEntryTarget {
    /// 2024-05-17T12:00:00Z.
    static let now: Int64 = 1_715_947_200

    static func run(_ input: FuzzInput) {
        let bytes = input.bytes
        if let preamble = EntryPreamble(parsing: Array(bytes.prefix(EntryPreamble.size))) {
            require(EntryPreamble(parsing: preamble.bytes) == preamble, "a preamble does not read back")
        }
        let meta = Array(bytes.dropFirst(min(bytes.count, EntryPreamble.size)))
        for block in [bytes, meta] {
            guard let entry = CacheEntry(meta: block) else { continue }
            require(CacheEntry(meta: entry.meta) == entry, "an entry's metadata does not read back")
            check(entry.head)
            let request = CacheRequest(url: "http://h/", fields: [("user-agent", "swnet")], revalidate: false)
            let freshness = Freshness(entry.head, requestTime: entry.requestTime, responseTime: entry.responseTime, now: now)
            require(freshness.lifetime >= 0, "a negative lifetime")
            if case .hit(let age) = CachePolicy.decide(request, entry: entry, now: now) {
                require(age < freshness.lifetime, "a hit that is not fresh")
            }
        }
        if let head = ResponseHead(parsing: bytes) { check(head) }
        let control = CacheControl(input.text)
        require((control.maxAge ?? 0) >= 0 && (control.minFresh ?? 0) >= 0, "a negative delta-seconds")
    }

    /// A head reads back as itself, and what a 304 and an Age make of it still does.
    private static func check(_ head: ResponseHead) {
        require(ResponseHead(parsing: head.bytes) == head, "a head does not read back")
        let updated = head.updated(by: head).with(age: 5)
        require(ResponseHead(parsing: updated.bytes) == updated, "an updated head does not read back")
        require(head.storable.fields.allSatisfy { !ResponseHead.hopByHop.contains($0.name) }, "a stored head keeps a hop-by-hop field")
    }
}
