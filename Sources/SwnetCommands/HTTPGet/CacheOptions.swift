import SwnetCLI
import SwnetCore

/// `--cache[=DIR]`, `--no-cache` and `--cache-max`: declared once, read
/// once into what every download of the run shares.
enum CacheOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("cache", .file, placeholder: "DIR", optionalValue: true,
                   help: "Keep answers in a private HTTP cache (RFC 9111) in DIR (default $XDG_CACHE_HOME/swnet/http, else ~/.cache/swnet/http; SWNET_CACHE=DIR turns it on too): a fresh answer is served without the network, a stale one is revalidated"),
        OptionSpec("no-cache", help: "With the cache: ask the server whether a stored answer is still good even when it is fresh (a 304 serves it)"),
        OptionSpec("cache-max", .size, default: "1G",
                   help: "With the cache: keep at most SIZE in its folder, removing the entries used longest ago first"),
    ]

    /// The manual's paragraph on the cache.
    static let discussion = [
        "--cache keeps answers to GET in a private cache (RFC 9111) that concurrent runs share safely. A fresh answer (max-age, else Expires minus Date; no heuristic freshness) is served without the network, with an Age field; a stale one is revalidated with If-None-Match and If-Modified-Since, and a 304 serves the stored body with the updated headers. Stored are 200 answers that came without a redirect and carry a lifetime or a validator (ETag, Last-Modified); never one with no-store or Vary: *, and, sent with credentials (-u, a user in the URL, -H Authorization), only one marked public, must-revalidate or s-maxage. no-cache, --no-cache and a request's own Cache-Control: no-cache revalidate every time; a stale answer is never served when the server cannot be asked. Vary is honoured, one answer kept per URL. -I and -C bypass the cache, and so do -H Range and -H If-*; -i writes the stored head. An entry is checked by its size and an XXH64 hash before any of it is used, and a damaged one is fetched again; a cache folder that is full or read-only never fails the download (-v says what was dropped). With --json each record has cache: hit, revalidated, miss (fetched, not stored), stored or bypass; -v says the same. rm -r the folder to clear it.",
    ]

    /// The cache of this run, nil when it is off. A folder that cannot be
    /// created turns it off for the run with a `-v` note: the downloads go on.
    static func settings(_ invocation: Invocation, console: Console) throws -> CacheSettings? {
        let option = invocation.isSet("cache") ? invocation.text("cache") ?? "" : nil
        // `--cache DIR`: the folder became a URL. No URL starts with / . or ~.
        if option == "", let folder = invocation.arguments.first(where: { ["/", ".", "~"].contains($0.first) }) {
            throw SwnetError.usage("--cache takes its folder after '=': --cache=\(folder) ('\(folder)' is no URL)")
        }
        guard let directory = CacheLocation.directory(option: option) else {
            for name in ["no-cache", "cache-max"] where invocation.isSet(name) {
                throw SwnetError.usage("--\(name) applies to the cache: give --cache (or set SWNET_CACHE)")
            }
            if option != nil { throw SwnetError.usage("--cache: no folder for the cache (HOME is not set): give --cache=DIR") }
            return nil
        }
        let revalidate = invocation.isSet("no-cache")
        do {
            return CacheSettings(store: try CacheStore(directory: directory, maxSize: Int64(invocation.size("cache-max")!)), revalidate: revalidate)
        } catch let failure as SwnetError {
            console.verbose("\(HTTPGetCommand.spec.name): cache off: \(failure.reason)")
            return CacheSettings(store: nil, revalidate: revalidate)
        }
    }
}

/// What the downloads of one run share of the cache.
struct CacheSettings {
    /// The folder; nil when it could not be created (nothing is read or stored).
    let store: CacheStore?
    /// `--no-cache`.
    let revalidate: Bool
}
