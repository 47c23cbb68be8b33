import SwnetCLI
import SwnetCore

/// `swnet http-get`: curl's everyday job, with exit codes a script can trust.
enum HTTPGetCommand: Command {
    static let name = "http-get"
    static let spec = CommandSpec(
        name, summary: "Fetch URLs over HTTP and HTTPS: the body to stdout or to files",
        arguments: [
            ArgumentSpec("URL", variadic: true, help: "What to fetch: http:// or https:// (without a scheme, http://)"),
        ],
        options: [
            OptionSpec("output", short: "o", .file, repeatable: true,
                       help: "Write the body to FILE instead of stdout; once per URL, in the order of the URLs ('-' is stdout)"),
            OptionSpec("remote-name", short: "O",
                       help: "Name the file of each URL without -o after the last segment of its path; a name that is empty, starts with '.' or holds '/' is refused"),
            OptionSpec("output-dir", .file, placeholder: "DIR", help: "Put the files of -O and of relative -o names in DIR, created if missing"),
            OptionSpec("continue", short: "C",
                       help: "Resume partial files: ask for the bytes after the file's size and append them (with -o or -O)"),
            OptionSpec("include", short: "i", excludes: ["continue", "head"], help: "Write the response headers (of each response, redirects too) before the body"),
            OptionSpec("head", short: "I", help: "Send HEAD, and write the response headers where the body would go"),
            OptionSpec("dump-header", short: "D", .file,
                       help: "Also write the response headers (of each response, redirects too) to FILE, every URL's in turn ('-' is stdout)"),
            OptionSpec("header", short: "H", .text, placeholder: "HEADER", repeatable: true,
                       help: "Add a request header 'Name: value', or replace one swnet sends; 'Name:' removes it"),
            OptionSpec("user-agent", short: "A", .text, placeholder: "TEXT", default: "swnet/\(Program.version)", help: "Send TEXT as the User-Agent"),
            OptionSpec("user", short: "u", .text, placeholder: "USER[:PASS]",
                       help: "HTTP Basic authentication; without PASS, it comes from .netrc with --netrc, else SWNET_PASSWORD, else a prompt on the terminal. Not sent to another host after a redirect"),
            OptionSpec("no-follow", help: "Do not follow redirects: the 3xx answer is the result"),
            OptionSpec("max-redirs", .integer(0...1000), default: "10", help: "Follow at most N redirects, then fail"),
            OptionSpec("no-fail", help: "Exit 0 whatever the HTTP status (without it, 400 and above exit 8)"),
            OptionSpec("retry", .integer(0...1000), default: "0",
                       help: "Retry a transient failure up to N times: a timeout, a refused connect, or 408, 429, 500, 502, 503, 504"),
            OptionSpec("retry-delay", .duration, default: "1s", onlyWith: .withOption("retry"),
                       help: "Wait DUR before the first retry, twice as long before each next (at most 10m); the server's Retry-After wins"),
            OptionSpec("parallel", .integer(1...100), default: "1",
                       help: "Fetch up to N URLs at once (bodies bound for stdout still come one after another, in order)"),
            OptionSpec("idle-timeout", .limit, help: "Give up when no byte arrives for DUR (connecting included)"),
            OptionSpec("no-progress", help: "Show no progress bar (there is one only when stderr is a terminal and every body goes to a file)"),
        ] + ConnectionOptions.specs + FetchOptions.specs + TransferOptions.specs + CacheOptions.specs,
        discussion: [
            "The body goes to stdout as it arrives, never held in memory. -o FILE pairs with the URLs in order; -O names files after their URLs; URLs without either go to stdout one after another. Several URLs share connections to the same server; --parallel fetches several at once. Redirects are followed (up to --max-redirs), compressed answers are asked for and decoded, and TLS certificates are verified unless -k.",
            "A status of 400 or more exits 8, and its body is still written; 401 and 407 (credentials refused or missing, by the server or a proxy) exit 7, as a refused login does everywhere; a redirect loop (more than --max-redirs) exits 8; --no-fail exits 0 for any answer. With several URLs, the exit status is 0 when all succeeded, 9 when some failed, else the first failure's: 3 a name did not resolve, 4 refused, 5 timed out, 6 TLS, 8 the server's error, 10 a file could not be written.",
            "--retry retries only what may pass: timeouts, refused connects and 408, 429, 500, 502, 503 and 504, waiting --retry-delay, then twice as long each time, or what the server's Retry-After says (seconds or a date). A wait that would pass --max-time is not taken: that answer is the result. The body of an answer that is retried is not written. With -C, only the rest of the file (206) is appended; 416 means the file is complete already.",
            "-D FILE writes the headers of each URL's answer (every response of it, redirects and 1xx too) as one block, in the order the answers come; a retried answer's are not written. -D - writes them to stdout before each body, the URLs then one at a time, in their order. -x, --noproxy and --netrc have curl's meaning, and ftp-list takes them too; --resolve, --connect-to and --unix-socket change where a request connects, never its URL, Host or certificate check.",
            "--json writes one object per URL on stdout (one document, or one line each for several URLs, in their order): url, effective_url, status, http_version, headers (names lower-cased), size (body bytes written), content_type, time (dns, connect, tls, first_byte, total: milliseconds from the start), speed (bytes per second); file when the body went to one, and error for a failure (a URL that got no answer has only url and error). The body then goes only where -o or -O says.",
        ] + CacheOptions.discussion,
        examples: [
            Example("swnet http-get https://example.com/", "Print a page"),
            Example("swnet http-get -O --output-dir /tmp https://example.com/a.iso https://example.com/b.iso", "Save two files, named after their URLs"),
            Example("swnet http-get -C -o big.iso --retry 5 https://example.com/big.iso", "Resume a partial download, retrying on timeouts and 5xx"),
            Example("swnet --json http-get -I https://example.com/ | jq .status", "Status, headers and timings as JSON"),
            Example("swnet http-get --cache -o index.json https://example.com/index.json", "Fetch through the cache: free while fresh, a 304 when not"),
        ],
        foreignFlags: [
            ForeignFlag("-L", "http-get follows redirects by default (curl -L); --no-follow turns that off, --max-redirs limits it"),
            ForeignFlag("-s", "http-get shows no progress on a pipe already (curl -s); -q silences the diagnostics too"),
            ForeignFlag("-S", "errors are always shown (curl -S), even with -q"),
            ForeignFlag("-f", "http-get fails on an HTTP error by default (curl -f): 400 and above exit 8; --no-fail turns that off"),
            ForeignFlag("--fail", "http-get fails on an HTTP error by default: 400 and above exit 8; --no-fail turns that off"),
            ForeignFlag("--compressed", "http-get asks for compressed answers and decodes them by default (curl --compressed)"),
            ForeignFlag("-w", "--json has the status, sizes and timings that curl -w writes out"),
            ForeignFlag("--write-out", "--json has the status, sizes and timings that curl -w writes out"),
            ForeignFlag("-X", "http-get sends GET, or HEAD with -I (curl -X)"),
            ForeignFlag("-d", "http-get sends no body (curl -d)"),
            ForeignFlag("-n", "http-get spells curl's -n --netrc"),
            ForeignFlag("-E", "a client certificate is --cert FILE with --key FILE (curl -E)"),
            ForeignFlag("--http2-prior-knowledge", "--http2 asks for HTTP/2 by ALPN over TLS, or by Upgrade over http://; swnet has no prior-knowledge mode"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let urls = try invocation.arguments.map(RequestSettings.checkedURL)
        let outputs = invocation.texts("output")
        if console.json && outputs.contains("-") {
            throw SwnetError.usage("-o - would mix the body into the JSON on stdout: give -o FILE")
        }
        let directory = invocation.text("output-dir")
        let destinations = try OutputNaming.destinations(urls: urls, outputs: outputs, remoteName: invocation.isSet("remote-name"),
                                                         directory: directory, json: console.json)
        let settings = try RequestSettings(invocation, context)
        if settings.resume, let index = destinations.firstIndex(where: { $0.path == nil }) {
            throw SwnetError.usage("-C/--continue resumes files: give \(urls[index]) an -o FILE, or use -O")
        }
        if let directory { try Folders.create(directory, mode: 0o777, kind: "folder") }

        let stdout = (console.out as? FileSink)?.fd ?? 1
        let headerDump = try headerDump(invocation, console, stdout: stdout)
        let downloads = zip(urls, destinations).map {
            Download(url: $0, destination: $1, settings: settings, stdout: stdout, headerDump: headerDump)
        }
        let outcomes = try DownloadQueue(downloads, parallel: invocation.integer("parallel")!, console: console,
                                         progress: progressBar(invocation, console, destinations)).run()

        let failed = outcomes.filter { $0.error != nil }.count
        if failed > 0 && failed < outcomes.count { console.note("\(spec.name): \(failed) of \(outcomes.count) URLs failed") }
        return ExitCode.overall(outcomes.map(\.error))
    }

    /// `-D FILE`, created (empty) before the first transfer, as curl does,
    /// so that a path that cannot be written fails before anything is fetched.
    private static func headerDump(_ invocation: Invocation, _ console: Console, stdout: Int32) throws -> BodyOutput? {
        guard let path = invocation.text("dump-header") else { return nil }
        if path == "-" && console.json { throw SwnetError.usage("-D - would mix the headers into the JSON on stdout: give -D FILE") }
        let dump = BodyOutput(path == "-" ? .stdout : .file(path), resume: false, stdout: stdout)
        if !dump.touch(), let error = dump.error { throw error }
        return dump
    }

    /// A progress bar when stderr is a terminal, every body goes to a file,
    /// and nothing else is being written to stderr line by line.
    private static func progressBar(_ invocation: Invocation, _ console: Console, _ destinations: [BodyDestination]) -> ProgressBar? {
        guard !invocation.isSet("no-progress"), !invocation.isSet("head"), !console.quiet, console.verbosity < 2,
              let err = console.err as? FileSink, Terminal.isTerminal(err.fd),
              destinations.allSatisfy({ $0.path != nil })
        else { return nil }
        return ProgressBar(err: console.err, descriptor: err.fd)
    }
}
