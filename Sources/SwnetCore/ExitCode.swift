/// The process exit status: one table for every command, printed in the
/// README and the man page from `meaning`.
///
/// An error's category *is* its exit code, so the mapping from a failure to
/// a status happens where the failure is classified, and nowhere else.
public enum ExitCode: Int32, CaseIterable, Sendable {
    case success = 0
    case failure = 1
    case usage = 2
    case resolve = 3
    case unreachable = 4
    case timeout = 5
    case tls = 6
    case auth = 7
    case serverError = 8
    case partial = 9
    case local = 10
    case interrupted = 130

    /// One line for the exit-status table.
    public var meaning: String {
        switch self {
        case .success: return "success"
        case .failure: return "failure not covered below"
        case .usage: return "usage: bad option, argument or value"
        case .resolve: return "a name did not resolve"
        case .unreachable: return "connection refused, host or network unreachable"
        case .timeout: return "timed out (connect, idle, total)"
        case .tls: return "TLS failed (handshake or certificate)"
        case .auth: return "authentication refused or required (a login, AUTH, HTTP 401 or 407)"
        case .serverError: return "the server answered with an error"
        case .partial: return "partial: some targets succeeded, some did not"
        case .local: return "local error: a file could not be read or written (stdout too, when its reader went away or it was closed), an address could not be bound"
        case .interrupted: return "interrupted (SIGINT)"
        }
    }

    /// The status of a command with several targets (URLs, hosts), given
    /// each one's failure or nil: 0 when all succeeded, 9 when some did,
    /// else the first failure's code.
    public static func overall(_ errors: [SwnetError?]) -> ExitCode {
        let failures = errors.compactMap { $0 }
        if failures.isEmpty { return .success }
        return failures.count < errors.count ? .partial : failures[0].code
    }

    /// The `kind` of a JSON error document.
    public var kind: String {
        switch self {
        case .success: return "success"
        case .failure: return "failure"
        case .usage: return "usage"
        case .resolve: return "resolve"
        case .unreachable: return "connect"
        case .timeout: return "timeout"
        case .tls: return "tls"
        case .auth: return "auth"
        case .serverError: return "server"
        case .partial: return "partial"
        case .local: return "local"
        case .interrupted: return "interrupted"
        }
    }
}
