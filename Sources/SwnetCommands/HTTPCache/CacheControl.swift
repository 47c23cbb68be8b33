/// The directives of a `Cache-Control` field (RFC 9111 section 5.2), of a
/// response or of the request (`-H 'Cache-Control: no-cache'`), as the
/// private cache reads them.
///
/// Names are case-insensitive; a value is a token or a quoted string (which
/// may hold commas: `no-cache="Set-Cookie, Foo"`). When a directive comes
/// twice, the first one counts (section 4.2.1 allows that or "stale").
/// `s-maxage` is read but a private cache ignores it for freshness (section
/// 5.2.2.10); it still lets a response to a request with `Authorization` be
/// stored (section 3.5). A `no-cache` or `private` with field names is read
/// as the plain directive: stricter, and simpler than storing part of an answer.
struct CacheControl: Equatable {
    var noStore = false
    var noCache = false
    var mustRevalidate = false
    var isPublic = false
    var isPrivate = false
    /// `max-age=N` in seconds; an invalid value reads as 0 (stale), as
    /// section 4.2.1 encourages.
    var maxAge: Int64?
    var sharedMaxAge: Int64?
    /// Request only: the answer must stay fresh this much longer.
    var minFresh: Int64?

    init(_ value: String?) {
        guard let value else { return }
        var seen: [String] = []
        for directive in Self.directives(value) where !seen.contains(directive.name) {
            seen.append(directive.name)
            let argument = directive.argument
            switch directive.name {
            case "no-store": noStore = true
            case "no-cache": noCache = true
            case "must-revalidate": mustRevalidate = true
            case "public": isPublic = true
            case "private": isPrivate = true
            case "max-age": maxAge = Self.seconds(argument)
            case "s-maxage": sharedMaxAge = Self.seconds(argument)
            case "min-fresh": minFresh = Self.seconds(argument)
            default: break  // extensions and directives for shared caches
            }
        }
    }

    /// delta-seconds (RFC 9111 section 1.2.2): digits only; too large is
    /// clamped, anything else is 0.
    static func seconds(_ argument: String?) -> Int64 {
        guard let argument, !argument.isEmpty, argument.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return 0 }
        return Int64(argument) ?? Int64(Int32.max)
    }

    /// The `name[=value]` pairs of a field value, names lower-cased, quotes
    /// removed from values (with their backslash escapes). Read byte by
    /// byte: every byte that matters is ASCII.
    static func directives(_ value: String) -> [Directive] {
        var result: [Directive] = []
        var name: [UInt8] = [], argument: [UInt8]?
        var inQuotes = false, escaped = false
        func flush() {
            let trimmed = ResponseHead.trimmed(name).lowercased()
            if !trimmed.isEmpty { result.append(Directive(name: trimmed, argument: argument.map { ResponseHead.trimmed($0) })) }
            name = []
            argument = nil
        }
        for byte in value.utf8 {
            if inQuotes {
                if escaped {
                    argument?.append(byte)
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inQuotes = false
                } else {
                    argument?.append(byte)
                }
            } else if byte == UInt8(ascii: ",") {
                flush()
            } else if argument != nil {
                if byte == UInt8(ascii: "\"") { inQuotes = true } else { argument!.append(byte) }
            } else if byte == UInt8(ascii: "=") {
                argument = []
            } else {
                name.append(byte)
            }
        }
        flush()
        return result
    }

    struct Directive {
        let name: String
        let argument: String?
    }
}
