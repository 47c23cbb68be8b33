#if canImport(Glibc)
import Glibc
#endif

/// Where a command's output goes. Commands write through a `Console` that
/// the executable injects, so tests capture output without a process.
public protocol OutputSink: AnyObject {
    func write(_ text: String)
    /// Why a write failed (the reader went away), once one has: the data
    /// did not arrive, so the command must not report success.
    var writeError: Errno? { get }
}

extension OutputSink {
    public var writeError: Errno? { nil }
}

/// An output sink on a file descriptor that writes everything it is given,
/// waiting out EAGAIN: a terminal shared with a non-blocking stdin may make
/// this descriptor non-blocking too.
public final class FileSink: OutputSink {
    public let fd: Int32
    public private(set) var writeError: Errno?

    public init(fd: Int32) { self.fd = fd }

    public func write(_ text: String) {
        guard writeError == nil else { return }
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                do {
                    switch try syscall("write", { Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset) }) {
                    case .done(let count): offset += count
                    case .wouldBlock:
                        var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&ready, 1, -1)
                    }
                } catch {
                    writeError = (error as? SwnetError)?.errno ?? Errno(EIO)  // the reader went away
                    return
                }
            }
        }
    }
}

/// An output sink that keeps what it is given, for tests.
public final class MemorySink: OutputSink {
    public private(set) var text = ""
    public init() {}
    public func write(_ text: String) { self.text += text }
}

/// A command's view of stdout and stderr, and of the global output options.
///
/// stdout carries data (or, with `--json`, only JSON); stderr carries
/// diagnostics, prefixed `swnet:`.
public final class Console {
    public let out: OutputSink
    public let err: OutputSink
    public let json: Bool
    public let verbosity: Int
    public let quiet: Bool
    public let color: Bool

    public init(out: OutputSink, err: OutputSink, json: Bool = false, verbosity: Int = 0, quiet: Bool = false, color: Bool = false) {
        self.out = out
        self.err = err
        self.json = json
        self.verbosity = verbosity
        self.quiet = quiet
        self.color = color
    }

    /// The same console with stdout's share written to stderr, for when
    /// stdout belongs to someone else (`serve --inetd`).
    public func sendingOutputToErrorStream() -> Console {
        Console(out: err, err: err, json: json, verbosity: verbosity, quiet: quiet, color: color)
    }

    /// A line of data on stdout.
    public func line(_ text: String) { out.write(text + "\n") }

    /// One JSON document (or one NDJSON event) on stdout.
    public func emit(_ document: JSONValue) { out.write(document.rendered + "\n") }

    /// A diagnostic for the user on stderr, unless `-q`.
    public func note(_ message: String) {
        if !quiet { err.write("swnet: " + message + "\n") }
    }

    /// A diagnostic shown at `-v` (level 1) or `-vv` (level 2).
    public func verbose(_ message: @autoclosure () -> String, level: Int = 1) {
        if verbosity >= level && !quiet { err.write("swnet: " + message() + "\n") }
    }

    /// Reports a failure: `swnet: COMMAND: context: reason` on stderr, or
    /// with `--json` one document on stdout: the command's report with the
    /// error inside, or the error alone when there is no report. Errors are
    /// shown even with `-q`: the exit code alone rarely says enough.
    /// A stdout that cannot take the JSON (closed, or its reader gone) gets
    /// the error on stderr as text instead, so it is never lost.
    public func report(_ error: SwnetError, command: String?) {
        let message = command.map { error.adding($0) } ?? error
        if json && out.writeError == nil {
            if case .object(let members)? = message.report {
                emit(.object(members.filter { $0.0 != "error" } + [("error", message.json)]))
            } else {
                emit(.object([("error", message.json)]))
            }
        } else {
            let prefix = color ? "\u{1B}[1;31mswnet:\u{1B}[0m " : "swnet: "
            err.write(prefix + message.description + "\n")
        }
    }
}
