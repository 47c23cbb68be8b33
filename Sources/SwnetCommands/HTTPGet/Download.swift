import CCurl
import Glibc
import SwnetCore
import SwnetTransfer

/// One URL's fetch: its easy handle, where its body goes, and its attempts.
///
/// Each attempt's answer is judged when its first body byte arrives (or at
/// its end, when it has no body): an answer that will be retried, or one
/// that is not the rest of a file being resumed, is read and dropped;
/// otherwise the headers (`-i`, `-I`) and the body are written as they come.
final class Download {
    /// The URL as libcurl gets it.
    let url: String
    /// The URL as messages and reports show it: without a password in it.
    let shown: String
    let output: BodyOutput
    /// `-D`: where the accepted answer's headers also go, shared by every download.
    let headerDump: BodyOutput?
    /// The failure to write them there, if any.
    private var headerDumpError: SwnetError?
    /// The easy handle, from the first attempt until the end: only running
    /// downloads hold one (and its receive buffer).
    private(set) var handle: EasyHandle?
    private let settings: RequestSettings
    /// Attempts started so far; 1 is the first.
    private(set) var attempt = 0
    /// The byte this attempt asked the server to start at (`-C`), else 0.
    private(set) var offset: Int64 = 0
    /// Body bytes written by this attempt.
    private(set) var bodyBytes: Int64 = 0
    /// This attempt's header lines as received, every response's (redirects,
    /// 1xx): written for `-i`/`-I` once the answer is accepted, and parsed
    /// only when something needs them (most downloads never do).
    private var rawHeaders: [UInt8] = []
    /// Where the last response's lines start in `rawHeaders`.
    private var lastResponse = 0
    private var verdict = Verdict.pending
    /// When this attempt last received a byte (or started), for `--idle-timeout`.
    private(set) var lastActivity = MonotonicClock.now
    /// When `--max-time` runs out: it bounds every attempt and every wait
    /// between them together, so a retry never sleeps past it.
    private var deadline: MonotonicClock.Instant?
    /// This URL's use of the cache (`--cache`), nil without it.
    let cache: CachedFetch?
    /// A 304 that was not about the stored answer: the next attempt fetches it whole.
    private var refetch = false

    private enum Verdict { case pending, keep, drop }

    /// What comes after an attempt.
    enum Next {
        case retry(after: Duration, reason: String)
        /// Again at once, as the same attempt (see `refetch`).
        case again
        case finished(Outcome)
    }

    /// How a URL ended, once no attempt is left.
    struct Outcome {
        let error: SwnetError?
        /// The `--json` record (null without --json).
        let report: JSONValue
        /// For `-v`: `200 OK (HTTP/1.1), 1.2 MiB in 45.1 ms`; nil without an answer.
        let summary: String?
    }

    /// The progress when the download ended.
    private var finalProgress: (done: Int64, total: Int64?) = (0, nil)

    init(url: String, destination: BodyDestination, settings: RequestSettings, stdout: Int32, headerDump: BodyOutput? = nil) {
        self.url = url
        self.shown = URLParts.redacted(url)
        self.settings = settings
        output = BodyOutput(destination, resume: settings.resume, stdout: stdout)
        self.headerDump = headerDump
        cache = CachedFetch.make(url: url, settings: settings, shown: shown)
    }

    /// Whether this download writes to stdout (its body, or its headers for
    /// `-D -`), so that it must not run beside another one that does.
    var writesStdout: Bool { output.destination == .stdout || headerDump?.destination == .stdout }

    /// Retries allowed after the first attempt.
    var retries: Int { settings.retry.retries }

    /// Readies the next attempt and returns the handle to run: a fresh
    /// answer and, with `-C`, the current size of the file as the point to
    /// resume from.
    func prepareAttempt() throws -> EasyHandle {
        let handle = try self.handle ?? makeHandle()
        if attempt == 0 && deadline == nil {
            deadline = settings.invocation.duration("max-time").map { .now + $0 }
        } else if let deadline {
            try handle.set(CURLOPT_TIMEOUT_MS, max(1, Int((deadline - .now).milliseconds)))
        }
        attempt += 1
        lastActivity = .now
        rawHeaders.removeAll(keepingCapacity: true)
        lastResponse = 0
        verdict = .pending
        bodyBytes = 0
        output.beginAttempt()
        if settings.resume {
            offset = try output.existingSize()
            try handle.set(CURLOPT_RESUME_FROM_LARGE, offset: offset)
        }
        if let cache { try handle.set(CURLOPT_HTTPHEADER, list: settings.headers + cache.conditionalFields()) }
        return handle
    }

    private func makeHandle() throws -> EasyHandle {
        let handle = try EasyHandle()
        try settings.configure(handle, url: url)
        handle.onHeader = { [unowned self] in self.header($0) }
        handle.onBody = { [unowned self] in self.body($0) }
        self.handle = handle
        return handle
    }

    /// The failure of an attempt that received nothing for `--idle-timeout`, if it is time.
    func idleFailure(now: MonotonicClock.Instant) -> SwnetError? {
        guard let limit = settings.idleTimeout, now - lastActivity >= limit else { return nil }
        return SwnetError(.timeout, "no data for \(TimeSpan.format(limit)) (--idle-timeout)")
    }

    /// When `idleFailure` will fire if nothing arrives, nil without `--idle-timeout`.
    var idleDeadline: MonotonicClock.Instant? { settings.idleTimeout.map { lastActivity + $0 } }

    /// Bytes of the file so far and its expected size (nil when unknown),
    /// for the progress bar.
    var progress: (done: Int64, total: Int64?) {
        guard let handle else { return finalProgress }
        let length = handle.offset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
        return (offset + handle.offset(CURLINFO_SIZE_DOWNLOAD_T), length >= 0 ? offset + length : nil)
    }

    // MARK: From the cache

    /// Serves a fresh stored answer, before any attempt and without the
    /// network (libcurl is not even loaded for it): the outcome, or nil
    /// when the cache has none to serve.
    func serveFromCache() -> Outcome? {
        guard attempt == 0, let cache, let (entry, head) = cache.freshHit() else { return nil }
        let started = MonotonicClock.now
        output.beginAttempt()
        let served = writeStored(head, cache)
        if served { _ = output.touch() }
        output.close()
        let error = output.error ?? (served ? nil : SwnetError(.local, "cannot read its cache entry"))
        finalProgress = (bodyBytes, entry.bodyLength)
        let elapsed = MonotonicClock.now - started
        // The record and the summary are made only for --json and -v, as for a fetch.
        let console = settings.console, file = output.destination.path
        let report = console.json ? HTTPReport.cached(url: shown, headers: head.headers, size: bodyBytes, file: file, total: elapsed, error: error) : .null
        var summary: String?
        if console.verbosity >= 1 && !console.quiet {
            let headers = head.headers
            summary = "HTTP/\(headers.version) \(headers.statusText), \(ProgressBar.size(bodyBytes)) in \(milliseconds(elapsed)) ms"
                + (file.map { " to \($0)" } ?? "") + " (\(cache.summary), age \(head.value("age") ?? "0") s)"
        }
        return Outcome(error: error, report: report, summary: summary)
    }

    /// Writes a stored answer: its head for `-i` and `-D`, then its body.
    private func writeStored(_ head: ResponseHead, _ cache: CachedFetch) -> Bool {
        if settings.include { _ = head.bytes.withUnsafeBytes { output.write($0) } }
        dumpHeaders(head.bytes)
        return cache.serveStored { chunk in
            guard output.write(chunk) else { return false }
            bodyBytes += Int64(chunk.count)
            return true
        }
    }

    // MARK: During the attempt

    private func header(_ line: UnsafeRawBufferPointer) {
        lastActivity = .now
        if verdict == .keep {
            // Trailers, after the body: only -i shows them.
            if settings.include { _ = output.write(line) }
            return
        }
        if line.starts(with: "HTTP/".utf8) { lastResponse = rawHeaders.count }
        rawHeaders.append(contentsOf: line)
    }

    /// The final response's status line and fields.
    private var finalResponse: ResponseHeaders { ResponseHeaders(parsing: rawHeaders[lastResponse...]) }

    private func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lastActivity = .now
        if verdict == .pending { judge() }
        guard verdict == .keep else { return true }
        guard output.write(bytes) else { return false }
        bodyBytes += Int64(bytes.count)
        cache?.append(bytes)
        return true
    }

    /// Decides whether this attempt's answer is the one to write.
    private func judge() {
        let status = handle?.long(CURLINFO_RESPONSE_CODE) ?? 0
        if settings.retry.allowsRetry(after: attempt) && RetryPolicy.isTransient(status: status)
            && fitsBeforeDeadline(settings.retry.wait(beforeRetry: attempt, retryAfter: retryAfter(finalResponse))) {
            verdict = .drop  // another attempt follows: this answer is not the result
            return
        }
        // -D: the headers of the answer that is the result, whole, before its
        // body; for a 304 that confirms the stored answer, that answer's (as -i).
        if !(status == 304 && cache?.isRevalidating == true) { dumpHeaders(rawHeaders) }
        if offset > 0 && status != 206 {
            verdict = .drop  // not the rest of the file: never append it to the partial one
        } else if status == 304, let cache, cache.isRevalidating {
            guard let head = cache.revalidated(by: rawHeaders[lastResponse...], redirected: handle!.long(CURLINFO_REDIRECT_COUNT) > 0) else {
                verdict = .drop
                refetch = true
                return
            }
            verdict = .keep  // the stored answer, confirmed: served as if it had come now
            _ = writeStored(head, cache)
        } else {
            verdict = .keep
            if settings.include || settings.head {
                _ = rawHeaders.withUnsafeBytes { output.write($0) }
            }
            if let cache, let handle {
                let length = handle.offset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
                cache.begin(rawHeaders: rawHeaders[lastResponse...], status: status, redirected: handle.long(CURLINFO_REDIRECT_COUNT) > 0,
                            contentLength: length >= 0 ? length : nil)
            }
        }
    }

    /// `-D`: one answer's header block, to the file every download shares.
    private func dumpHeaders(_ bytes: [UInt8]) {
        guard let headerDump, headerDumpError == nil else { return }
        if !bytes.withUnsafeBytes({ headerDump.write($0) }) { headerDumpError = headerDump.error }
    }

    // MARK: After the attempt

    /// Judges the attempt that `completion` ended: another attempt, or the end.
    func finish(_ completion: MultiHandle.Completion) -> Next {
        let handle = completion.handle
        let status = handle.long(CURLINFO_RESPONSE_CODE)
        if completion.error == nil {
            if verdict == .pending { judge() }
            if verdict == .keep { _ = output.touch() }
        }
        output.close()
        cache?.finish(complete: completion.error == nil && output.error == nil && verdict == .keep)
        if refetch && completion.error == nil {
            refetch = false
            attempt -= 1
            return .again
        }

        var error: SwnetError?
        var transient = false
        var retryAfter: Duration?
        var parsed: ResponseHeaders?
        func response() -> ResponseHeaders {
            if parsed == nil { parsed = cache?.servedHead?.headers ?? finalResponse }
            return parsed!
        }
        if let failure = output.error ?? headerDumpError {
            error = failure  // a local write failure: another attempt would fail the same way
        } else if let failure = completion.error {
            error = explain(failure, code: completion.code, handle)
            transient = RetryPolicy.isTransient(failure)
        } else if offset > 0 && status == 416 {
            // Range Not Satisfiable from the size we have: the file is already whole.
        } else {
            if RetryPolicy.isTransient(status: status) {
                transient = true
                retryAfter = self.retryAfter(response())
            }
            if status >= 400 && !settings.acceptAnyStatus {
                // 401 and 407 ask for credentials, or refuse the ones sent: an authentication failure, as for ftp-list and smtp-send.
                let code: ExitCode = status == 401 || status == 407 ? .auth : .serverError
                error = SwnetError(code, "\(status == 407 ? "proxy" : "server") answered \(response().statusText)")
            }
        }

        if transient && settings.retry.allowsRetry(after: attempt) {
            let wait = settings.retry.wait(beforeRetry: attempt, retryAfter: retryAfter)
            if !fitsBeforeDeadline(wait) {
                error = error.map { SwnetError($0.code, $0.reason + " (not retried: waiting \(TimeSpan.format(wait)) would pass --max-time)") }
            } else if output.cannotRewind {
                error = error.map { SwnetError($0.code, $0.reason + " (not retried: \(output.written) bytes already went to stdout)") }
            } else {
                return .retry(after: wait, reason: error?.reason ?? "server answered \(response().statusText)")
            }
        }

        // The record and the summary cost a little per URL: made only for --json and -v.
        let console = settings.console
        var report = JSONValue.null
        if console.json {
            let file = verdict == .keep ? output.destination.path : nil
            report = status > 0
                ? HTTPReport.answered(url: shown, handle: handle, headers: response(), size: bodyBytes, file: file, error: error,
                                      status: cache?.servedHead.map { _ in response().status }, cache: cache?.state.rawValue)
                : HTTPReport.failed(url: shown, error: error ?? SwnetError(.failure, "no answer"))
        }
        let summary = status > 0 && console.verbosity >= 1 && !console.quiet ? summary(handle, response()) : nil
        let outcome = Outcome(error: error, report: report, summary: summary)
        finalProgress = progress
        self.handle = nil  // its buffer and connection state are not needed any more
        return .finished(outcome)
    }

    /// The wait a `Retry-After` header asks for, if it has a valid one.
    private func retryAfter(_ headers: ResponseHeaders) -> Duration? {
        headers.value("retry-after").flatMap { RetryAfter.parse($0, now: Int64(time(nil))) }
    }

    /// Whether a wait of `wait` and another attempt still fit into `--max-time`.
    private func fitsBeforeDeadline(_ wait: Duration) -> Bool {
        deadline.map { MonotonicClock.now + wait < $0 } ?? true
    }

    /// libcurl's words, made plainer where they leave the reader guessing.
    private func explain(_ failure: SwnetError, code: CURLcode, _ handle: EasyHandle) -> SwnetError {
        switch code {
        case CURLE_TOO_MANY_REDIRECTS:
            let last = URLParts.redacted(handle.string(CURLINFO_EFFECTIVE_URL) ?? url)
            return SwnetError(failure.code, "more than \(settings.maxRedirects) redirects, the last to \(last): a redirect loop? (--max-redirs N allows more)")
        case CURLE_COULDNT_CONNECT where settings.connection.unixSocket != nil && handle.long(CURLINFO_OS_ERRNO) != 0:
            // libcurl names the URL's host; the socket is what was tried.
            let reason = Errno(Int32(handle.long(CURLINFO_OS_ERRNO)))
            return SwnetError(reason.exitCode, "unix:\(settings.connection.unixSocket!): \(reason)", errno: reason)
        case CURLE_RANGE_ERROR:
            return SwnetError(failure.code, "cannot resume \(output.name): the server sent the whole file instead of the rest (remove the file, or drop -C, to fetch it again)")
        default:
            let ranOut = deadline.map { MonotonicClock.now >= $0 - .milliseconds(5) } ?? false
            return TransferFailure.explain(failure, code: code, handle: handle, invocation: settings.invocation, maxTimeRanOut: ranOut)
        }
    }

    private func summary(_ handle: EasyHandle, _ headers: ResponseHeaders) -> String {
        if offset > 0 && handle.long(CURLINFO_RESPONSE_CODE) == 416 {
            return "\(output.name) is complete already (\(offset) bytes): nothing to resume"
        }
        let version = HTTPReport.httpVersion(handle.long(CURLINFO_HTTP_VERSION)).map { "HTTP/\($0)" } ?? "HTTP"
        let total = Duration.microseconds(handle.offset(CURLINFO_TOTAL_TIME_T))
        var text = "\(version) \(headers.statusText), \(ProgressBar.size(bodyBytes)) in \(milliseconds(total)) ms"
        if let path = output.destination.path, verdict == .keep { text += " to \(path)" }
        if attempt > 1 { text += " (attempt \(attempt))" }
        if let cache { text += " (\(cache.summary))" }
        return text
    }
}
