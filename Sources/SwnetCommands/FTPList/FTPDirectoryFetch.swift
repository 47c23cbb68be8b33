import CCurl
import SwnetCLI
import SwnetCore
import SwnetTransfer

/// The libcurl side of ftp-list: log in, choose between MLSD and LIST,
/// fetch the listing, and word failures with the server's own reply.
///
/// How MLSD is chosen (`--method auto`): one easy handle makes two
/// transfers over one control connection, which libcurl keeps open
/// between them.
///
/// 1. A probe without a data connection (`CURLOPT_NOBODY`) logs in, sends
///    `FEAT` as a quote command and changes to the directory. libcurl hands
///    every reply line to the header callback, so the FEAT reply is read
///    there. The command is sent as `*FEAT`: the asterisk tells libcurl to
///    go on when an old server does not know FEAT (which then gets LIST).
/// 2. The listing: `MLSD` (as `CURLOPT_CUSTOMREQUEST`) when FEAT names MLST
///    or MLSD, else LIST. Before MLSD, `OPTS MLST` turns on the facts the
///    server offers but does not send by default (pyftpdlib, for one, keeps
///    `unix.mode` off).
///
/// Asking FEAT first is the robust way: trying MLSD and falling back on an
/// error cannot tell "MLSD unknown" from a real failure, and a server that
/// hangs up on unknown commands would end the session. The fallback is
/// kept only for servers whose FEAT promises MLSD that then answer it with
/// 500, 501, 502 or 504 (not implemented): those get LIST after all.
/// With `--method mlsd` or `--method list` there is no probe and no fallback.
final class FTPDirectoryFetch {
    /// `--method`.
    enum Method: String, CaseIterable, Sendable { case auto, mlsd, list }

    private let handle: EasyHandle
    /// The URL as messages name it.
    private let target: String
    private let console: Console
    /// The limits, for naming the one that fired.
    private let invocation: Invocation
    /// `--max-time` covers both transfers together.
    private let maxTime: Duration?
    private let start = MonotonicClock.now
    let replies = FTPReplies()
    private var body: [UInt8] = []

    /// `handle` has its URL and options set; this takes over its body and
    /// header callbacks. `target` names the URL in messages.
    init(handle: EasyHandle, target: String, console: Console, invocation: Invocation) {
        self.handle = handle
        self.target = target
        self.console = console
        self.invocation = invocation
        self.maxTime = invocation.duration("max-time")
        handle.onHeader = { [replies] in replies.record($0) }
        handle.onBody = { [unowned self] bytes in
            self.body.append(contentsOf: bytes)
            return true
        }
    }

    /// Fetches the listing. `now` dates LIST's recent files.
    func run(_ method: Method, now: Int64) throws -> Listing {
        var format: Listing.Format = method == .list ? .list : .mlsd
        var quote: [String] = []
        if method == .auto {
            let features = try probe()
            format = features.offersMLSD ? .mlsd : .list
            if features.offersMLSD, let opts = features.optsCommand { quote = ["*" + opts] }
            console.verbose(features.offersMLSD ? "the server offers MLSD: listing with it" : "the server does not offer MLSD: listing with LIST")
        }
        do {
            try list(format, quote: quote)
        } catch let error as SwnetError where method == .auto && format == .mlsd && error.code == .serverError
            && [500, 501, 502, 504].contains(replies.last?.code ?? 0) {
            console.verbose("the server refused MLSD (\(replies.last?.line ?? "")): listing with LIST")
            format = .list
            try list(.list, quote: [])
        }
        return Listing(body: body, format: format, now: now)
    }

    /// Logs in, asks FEAT and changes to the directory, with no data connection.
    private func probe() throws -> FTPFeatures {
        try handle.set(CURLOPT_NOBODY, true)
        try handle.set(CURLOPT_QUOTE, list: ["*FEAT"])
        let mark = replies.lines.count
        try perform()
        return FTPFeatures(replies: Array(replies.lines[mark...]))
    }

    /// Fetches the listing with MLSD or LIST.
    private func list(_ format: Listing.Format, quote: [String]) throws {
        try handle.set(CURLOPT_NOBODY, false)
        try handle.set(CURLOPT_QUOTE, list: quote)
        if format == .mlsd {
            try handle.set(CURLOPT_CUSTOMREQUEST, "MLSD")
        } else {
            try handle.set(CURLOPT_CUSTOMREQUEST, pointer: nil)  // libcurl's own LIST
        }
        body.removeAll()
        try perform()
    }

    /// One transfer, within what is left of `--max-time`.
    private func perform() throws {
        if let maxTime {
            let left = maxTime - (MonotonicClock.now - start)
            guard left > .zero else {
                throw SwnetError(.timeout, "gave up after \(TimeSpan.format(maxTime)) (--max-time)").adding(target)
            }
            try handle.set(CURLOPT_TIMEOUT_MS, max(1, Int(left.milliseconds)))
        }
        do {
            try handle.perform()
        } catch let error as SwnetError {
            let ranOut = maxTime.map { MonotonicClock.now - start >= $0 - .milliseconds(5) } ?? false
            throw described(TransferFailure.explain(error, code: handle.lastCode, handle: handle, invocation: invocation, maxTimeRanOut: ranOut))
        }
    }

    /// libcurl's error, in the server's words where they say more: a refused
    /// login or command reads as the server's reply
    /// (`ftp://host/missing/: 550 No such file or directory.`).
    private func described(_ error: SwnetError) -> SwnetError {
        var error = error
        if let refusal = replies.lastRefusal {
            switch error.code {
            case .auth, .serverError: error.reason = refusal
            case .tls: error.reason += " (the server said: \(refusal))"
            default: break
            }
        }
        return error.adding(target)
    }
}
