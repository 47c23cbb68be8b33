import CCurl
import SwnetCore
import SwnetTransfer

/// The `--json` record of one URL: one document for one URL, one line each
/// (NDJSON, in the order of the URLs) for several.
///
///     {"url":..,"effective_url":..,"status":200,"http_version":"1.1","headers":{..},"size":1234,
///      "content_type":"text/html","time":{"dns":..,"connect":..,"tls":null,"first_byte":..,"total":..},"speed":..}
///
/// `headers` are the final response's, names lower-cased; `size` is the
/// body's bytes as written (after decoding); `time` is in milliseconds, each
/// counted from the start of the request as curl's `--write-out` counts
/// (`tls` is null without TLS); `speed` is libcurl's average download rate
/// in bytes per second. `file` names the file the body went to, if any. An
/// answer that is a failure (status 400 and above) carries `error` too; a
/// URL that got no answer at all has only `url` and `error`. With the
/// cache, `cache` says what it did: hit, revalidated, miss, stored or bypass.
enum HTTPReport {
    /// `status` replaces libcurl's for an answer served from the cache
    /// after a 304; `cache` is the cache's word for it (`--cache`).
    static func answered(url: String, handle: EasyHandle, headers: ResponseHeaders, size: Int64, file: String?,
                         error: SwnetError?, status: Int? = nil, cache: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("url", .string(url)),
            ("effective_url", handle.string(CURLINFO_EFFECTIVE_URL).map { .string(URLParts.redacted($0)) } ?? .null),
            ("status", .int(status ?? handle.long(CURLINFO_RESPONSE_CODE))),
            ("http_version", httpVersion(handle.long(CURLINFO_HTTP_VERSION)).map(JSONValue.string) ?? .null),
            ("headers", headers.json),
            ("size", .int(Int(size))),
            // After a 304 the stored answer's type, not the (absent) one of the 304.
            ("content_type", (status == nil ? handle.string(CURLINFO_CONTENT_TYPE) : headers.value("content-type")).map(JSONValue.string) ?? .null),
            ("time", timings(handle)),
            ("speed", .int(Int(handle.offset(CURLINFO_SPEED_DOWNLOAD_T)))),
        ]
        if let file { members.append(("file", .string(file))) }
        if let cache { members.append(("cache", .string(cache))) }
        if let error { members.append(("error", errorObject(error, url: url))) }
        return .object(members)
    }

    /// A fresh answer served from the cache: no network, so the URL is the
    /// effective one, the network's timings are null, and `total` is the
    /// time it took to serve.
    static func cached(url: String, headers: ResponseHeaders, size: Int64, file: String?, total: Duration,
                       error: SwnetError?) -> JSONValue {
        let seconds = total.milliseconds / 1000
        var members: [(String, JSONValue)] = [
            ("url", .string(url)),
            ("effective_url", .string(url)),
            ("status", .int(headers.status)),
            ("http_version", headers.version.isEmpty ? .null : .string(headers.version)),
            ("headers", headers.json),
            ("size", .int(Int(size))),
            ("content_type", headers.value("content-type").map(JSONValue.string) ?? .null),
            ("time", .object([("dns", .null), ("connect", .null), ("tls", .null), ("first_byte", .null), ("total", .milliseconds(total.milliseconds))])),
            ("speed", .int(seconds > 0 ? Int(Double(size) / seconds) : 0)),
        ]
        if let file { members.append(("file", .string(file))) }
        members.append(("cache", .string("hit")))
        if let error { members.append(("error", errorObject(error, url: url))) }
        return .object(members)
    }

    static func failed(url: String, error: SwnetError) -> JSONValue {
        .object([("url", .string(url)), ("error", errorObject(error, url: url))])
    }

    /// The error as `Console.report` writes it: code, kind, and the whole message.
    static func errorObject(_ error: SwnetError, url: String) -> JSONValue {
        error.adding(url).adding(HTTPGetCommand.spec.name).json
    }

    /// libcurl's `CURL_HTTP_VERSION_*` as the status line writes it.
    static func httpVersion(_ code: Int) -> String? {
        switch code {
        case 1: return "1.0"
        case 2: return "1.1"
        case 3: return "2"
        case 30: return "3"
        default: return nil
        }
    }

    private static func timings(_ handle: EasyHandle) -> JSONValue {
        func milliseconds(_ info: CURLINFO) -> Double { Double(handle.offset(info)) / 1000 }
        let tls = milliseconds(CURLINFO_APPCONNECT_TIME_T)
        return .object([
            ("dns", .milliseconds(milliseconds(CURLINFO_NAMELOOKUP_TIME_T))),
            ("connect", .milliseconds(milliseconds(CURLINFO_CONNECT_TIME_T))),
            ("tls", tls > 0 ? .milliseconds(tls) : .null),
            ("first_byte", .milliseconds(milliseconds(CURLINFO_STARTTRANSFER_TIME_T))),
            ("total", .milliseconds(milliseconds(CURLINFO_TOTAL_TIME_T))),
        ])
    }
}
