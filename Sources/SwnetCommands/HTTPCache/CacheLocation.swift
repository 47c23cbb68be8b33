import Glibc

/// Where the cache lives and whether it is on: `--cache=DIR`, else the
/// folder `SWNET_CACHE` names, else `$XDG_CACHE_HOME/swnet/http`, else
/// `~/.cache/swnet/http`.
///
/// `SWNET_CACHE` set and not empty turns the cache on by itself, so a CI job
/// can give every `swnet http-get` of its scripts one cache; set empty, it
/// turns it off. An `XDG_CACHE_HOME` that is not an absolute path is
/// ignored, as the XDG Base Directory specification says.
enum CacheLocation {
    /// The folder, when the cache is on; `option` is `--cache`'s value
    /// (nil: not given; "": given without a folder).
    static func directory(option: String?, environment: (String) -> String? = Self.environment) -> String? {
        let named = environment("SWNET_CACHE")
        if let option, !option.isEmpty { return option }
        if let named, !named.isEmpty { return named }
        guard option != nil else { return nil }
        if let xdg = environment("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return xdg + "/swnet/http" }
        guard let home = environment("HOME").flatMap({ $0.isEmpty ? nil : $0 }) ?? homeFromPasswd() else { return nil }
        return home + "/.cache/swnet/http"
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static func homeFromPasswd() -> String? {
        guard let entry = getpwuid(getuid()), let home = entry.pointee.pw_dir else { return nil }
        return String(cString: home)
    }
}
