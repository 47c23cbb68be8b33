import Glibc
import SwnetCore

/// One URL's use of the cache during a download: the stored entry and what
/// to do with it, the conditional fields of a revalidation, the copy of a
/// new answer on its way into the cache, and how it all ended (`--json`'s
/// `"cache"`, `-v`'s words).
///
/// A cache that fails (a full or read-only folder) never fails the
/// download: the entry is dropped, with a `-v` note.
final class CachedFetch {
    enum State: String {
        /// Served fresh from the cache, without the network.
        case hit
        /// The server's 304 confirmed the stored answer, which was served.
        case revalidated
        /// Fetched, and not stored (`detail` says why).
        case miss
        /// Fetched and stored.
        case stored
        /// The cache was not used for this request (`detail` says why).
        case bypass
    }

    private let store: CacheStore?
    let request: CacheRequest
    private let console: Console
    private let shown: String
    private(set) var state: State
    /// Why the answer was not stored, or the cache not used: for `-v`.
    private(set) var detail: String?
    private var looked = false
    private var entry: StoredEntry?
    private var decision = CachePolicy.Decision.fetch
    /// The head being served from the cache (a hit, or after a 304).
    private(set) var servedHead: ResponseHead?
    private var writer: EntryWriter?
    /// When the current attempt's request went out (Unix time).
    private var requestTime: Int64 = 0

    init(store: CacheStore?, request: CacheRequest, bypass: String?, console: Console, shown: String) {
        self.store = store
        self.request = request
        self.console = console
        self.shown = shown
        state = bypass == nil ? .miss : .bypass
        detail = bypass ?? (store == nil ? "the cache folder cannot be used" : nil)
    }

    /// The cache's part in fetching `url`, nil without `--cache`.
    static func make(url: String, settings: RequestSettings, shown: String) -> CachedFetch? {
        guard let cache = settings.cache else { return nil }
        let fields = requestFields(url: url, userAgent: settings.userAgent, credentials: settings.login != nil || settings.fetch.netrc, headers: settings.headers)
        let request = CacheRequest(url: url, fields: fields, revalidate: cache.revalidate)
        // -I wants the server's headers now; -C wants the rest of a file, not a whole answer.
        let bypass = settings.head ? "-I asks the server" : settings.resume ? "-C resumes a file" : request.bypassReason
        return CachedFetch(store: cache.store, request: request, bypass: bypass, console: settings.console, shown: shown)
    }

    /// The request fields swnet sends, as the cache compares them: its own
    /// (User-Agent, Accept, credentials: `-u`, a URL's user, or `--netrc`,
    /// which may find a login for the host), then `-H`, which replaces one
    /// (`Name: value`), removes it (`Name:`) or sends it empty (`Name;`).
    /// Accept-Encoding is absent unless `-H` sets it: swnet always asks for
    /// the same encodings and stores the body decoded.
    static func requestFields(url: String, userAgent: String, credentials: Bool, headers: [String]) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [("user-agent", userAgent), ("accept", "*/*")]
        if credentials || URLParts(url).userInfo != nil { fields.append(("authorization", "Basic")) }
        for header in headers {
            let name = header.prefix { $0 != ":" && $0 != ";" }
            let rest = header.dropFirst(name.count)
            fields.removeAll { $0.name == name.lowercased() }
            let value = ResponseHeaders.trimmed(rest.dropFirst())
            if rest.first == ";" || !value.isEmpty { fields.append((name.lowercased(), rest.first == ";" ? "" : value)) }
        }
        return fields
    }

    // MARK: Before the request

    /// The stored answer and its age when it is fresh and may be served
    /// without asking; the lookup happens here, once.
    func freshHit() -> (entry: StoredEntry, head: ResponseHead)? {
        lookUp()
        guard case .hit(let age) = decision, let entry else { return nil }
        state = .hit
        servedHead = entry.entry.head.with(age: age)
        return (entry, servedHead!)
    }

    /// The fields to add to the coming attempt: the conditions of a
    /// revalidation, or none.
    func conditionalFields() -> [String] {
        lookUp()
        requestTime = Int64(time(nil))
        if case .revalidate(let fields) = decision { return fields }
        return []
    }

    private func lookUp() {
        guard !looked else { return }
        looked = true
        guard state != .bypass, let store else { return }
        switch store.lookup(request.url) {
        case .absent:
            break
        case .damaged(let why):
            console.verbose("\(HTTPGetCommand.spec.name): \(shown): cache entry ignored, fetching again: \(why)")
        case .found(let stored):
            entry = stored
            decision = CachePolicy.decide(request, entry: stored.entry, now: Int64(time(nil)))
        }
    }

    // MARK: The answer

    /// The coming or current attempt is a revalidation.
    var isRevalidating: Bool {
        if case .revalidate = decision { return true }
        return false
    }

    /// A `304` answered the revalidation: the stored head updated by it, to
    /// be served with the stored body; nil when the 304 is not about the
    /// stored answer (another entity tag, or it came after a redirect), and
    /// the URL must be fetched again without conditions.
    func revalidated(by rawHeaders: ArraySlice<UInt8>, redirected: Bool) -> ResponseHead? {
        guard case .revalidate = decision, let entry, let notModified = ResponseHead(parsing: rawHeaders) else { return nil }
        guard !redirected, CachePolicy.selects(stored: entry.entry.head, notModified: notModified) else {
            decision = .fetch
            console.verbose("\(HTTPGetCommand.spec.name): \(shown): the 304 is not about the stored answer: fetching it whole")
            return nil
        }
        state = .revalidated
        var updated = entry.entry
        updated.head = updated.head.updated(by: notModified)
        updated.requestTime = requestTime
        updated.responseTime = Int64(time(nil))
        servedHead = updated.head
        // Stored again only when the new headers make it fresh (a new
        // max-age or Expires): an answer revalidated every time anyway
        // would be copied for nothing.
        if Freshness(updated.head, requestTime: updated.requestTime, responseTime: updated.responseTime, now: updated.responseTime).isFresh,
           CachePolicy.refusal(request, head: updated.head, status: 200, redirected: false) == nil {
            writer = open(updated)
        }
        return updated.head
    }

    /// Writes the stored body to `sink` (a hit, or after a 304), and into
    /// the renewed entry when there is one. False when `sink` refused a chunk.
    func serveStored(_ sink: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard let entry else { return false }
        var accepted = true
        do {
            try entry.forEachChunk { chunk in
                accepted = sink(chunk)
                if accepted { append(chunk) }
                return accepted
            }
        } catch let failure as SwnetError {
            console.verbose("\(HTTPGetCommand.spec.name): \(shown): cannot read the cache entry: \(failure.reason)")
            accepted = false
        } catch {
            preconditionFailure("\(error)")
        }
        entry.touch()
        return accepted
    }

    /// A new answer is about to be written: stored as it arrives when it may be.
    func begin(rawHeaders: ArraySlice<UInt8>, status: Int, redirected: Bool, contentLength: Int64?) {
        guard state != .bypass, let store, let head = ResponseHead(parsing: rawHeaders)?.storable else { return }
        if let refusal = CachePolicy.refusal(request, head: head, status: status, redirected: redirected) {
            detail = "not stored: \(refusal)"
            return
        }
        if let contentLength, contentLength > store.maxSize {
            detail = "not stored: larger than --cache-max"
            return
        }
        let entry = CacheEntry(key: CacheEntry.key(for: request.url), url: URLParts.redacted(request.url), requestTime: requestTime,
                               responseTime: Int64(time(nil)), vary: CachePolicy.varyValues(head, request), head: head)
        writer = open(entry)
    }

    /// Body bytes of the answer being stored.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let writer else { return }
        do {
            if let store, writer.bodyLength + Int64(bytes.count) > store.maxSize {
                throw SwnetError(.local, "larger than --cache-max")
            }
            try writer.append(bytes)
        } catch let failure as SwnetError {
            drop(failure.reason)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// The attempt ended; `complete` when its whole answer was written.
    /// A complete new entry is put in place, and the folder trimmed to
    /// `--cache-max`; anything else is dropped.
    func finish(complete: Bool) {
        guard let writer else { return }
        self.writer = nil
        guard complete else {
            writer.discard()
            return
        }
        do {
            try writer.commit()
            if state == .miss {
                state = .stored
                detail = nil
            }
            store?.evict()
        } catch let failure as SwnetError {
            drop(failure.reason)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// The words `-v` adds to the summary: `cache: hit`, `cache: miss, not stored: no-store`.
    var summary: String { "cache: \(state.rawValue)" + (detail.map { ", \($0)" } ?? "") }

    private func open(_ entry: CacheEntry) -> EntryWriter? {
        guard let store else { return nil }
        do {
            return try store.writer(for: request.url, entry: entry)
        } catch let failure as SwnetError {
            drop(failure.reason)
            return nil
        } catch {
            preconditionFailure("\(error)")
        }
    }

    private func drop(_ reason: String) {
        writer?.discard()
        writer = nil
        detail = "not stored: \(reason)"
        console.verbose("\(HTTPGetCommand.spec.name): \(shown): not stored in the cache: \(reason)")
    }
}
