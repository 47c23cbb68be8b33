/// The one error type users see.
///
/// Like Go's `net.OpError`, it gains context as it travels up the layers and
/// never loses its cause: the socket layer says "connection refused", the
/// connector adds "127.0.0.1:7/tcp", the executable adds "swnet: connect",
/// and the user reads `swnet: connect: 127.0.0.1:7/tcp: connection refused`.
public struct SwnetError: Error, Sendable, CustomStringConvertible {
    /// The exit-code category; it also names the JSON error `kind`.
    public var code: ExitCode
    /// What was being done and to what, outermost first.
    public var context: [String]
    /// Why it failed, in the user's words.
    public var reason: String
    /// The system error underneath, when there is one.
    public var errno: Errno?
    /// The command's `--json` report of what it did before it failed (a
    /// scan's ports, a mail's recipients): written with the error inside,
    /// so a failed command still writes one document.
    public var report: JSONValue?

    public init(_ code: ExitCode, _ reason: String, errno: Errno? = nil) {
        self.code = code
        self.context = []
        self.reason = reason
        self.errno = errno
    }

    /// An error that carries a system error's message and classification.
    public init(_ errno: Errno) {
        self.init(errno.exitCode, errno.description, errno: errno)
    }

    /// The same error seen from one layer further out.
    /// The failure without its context: the system's words for `errno`, else
    /// the reason. For a message that names the file or folder itself.
    public var cause: String { errno.map(\.description) ?? reason }

    public func adding(_ outerContext: String) -> SwnetError {
        var copy = self
        copy.context.insert(outerContext, at: 0)
        return copy
    }

    /// The same error with another category, for callers that know better
    /// (a refused connect while waiting for a port is a timeout in the end).
    public func reclassified(_ code: ExitCode) -> SwnetError {
        var copy = self
        copy.code = code
        return copy
    }

    public var description: String {
        (context + [reason]).joined(separator: ": ")
    }

    /// The same error carrying the command's report.
    public func with(report: JSONValue) -> SwnetError {
        var copy = self
        copy.report = report
        return copy
    }

    /// The JSON error object: `{"code":4,"kind":"connect","message":"..."}`.
    public var json: JSONValue {
        .object([
            ("code", .int(Int(code.rawValue))),
            ("kind", .string(code.kind)),
            ("message", .string(description)),
        ])
    }

    /// A usage error: exit 2.
    public static func usage(_ reason: String) -> SwnetError {
        SwnetError(.usage, reason)
    }
}

extension SwnetError {
    /// Runs `body`, adding `outerContext` to any `SwnetError` it throws.
    @discardableResult
    public static func context<T>(_ outerContext: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SwnetError {
            throw error.adding(outerContext)
        }
    }
}

extension String {
    /// A message from a library ("Connection refused", "SSL certificate
    /// problem") made to read well after a colon: the first letter lowered,
    /// unless the first word is a name with capitals inside (SSL, OpenSSL).
    public var asReason: String {
        guard let first = first, first.isUppercase else { return self }
        if prefix(while: { $0 != " " }).dropFirst().contains(where: \.isUppercase) { return self }
        return first.lowercased() + dropFirst()
    }

    /// A value the user gave, as a message quotes it: control characters
    /// escaped (`\n`, `\u{1B}`), so that the message stays one line.
    public var quotedInMessage: String {
        var text = ""
        for scalar in unicodeScalars {
            text += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return text
    }
}
