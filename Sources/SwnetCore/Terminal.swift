#if canImport(Glibc)
import Glibc
#endif

/// Facts about the terminal that decide whether decoration is allowed.
public enum Terminal {
    /// Whether `fd` is a terminal. The corresponding C function is `isatty`.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// The `--color` choice resolved for a stream: `auto` colours a
    /// terminal unless `NO_COLOR` is set (https://no-color.org).
    public static func useColor(_ choice: String, sink: OutputSink) -> Bool {
        switch choice {
        case "always": return true
        case "never": return false
        default:
            if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
            return (sink as? FileSink).map { isTerminal($0.fd) } ?? false
        }
    }

    /// Asks for a secret on the controlling terminal, without echo; nil
    /// when there is no terminal. The corresponding C functions are
    /// `tcgetattr` and `tcsetattr`.
    public static func readSecret(prompt: String) -> String? {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else { return nil }
        defer { close(tty) }
        var saved = termios()
        guard tcgetattr(tty, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(tty, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(tty, TCSAFLUSH, &saved)
            _ = write(tty, "\n", 1)
        }
        _ = prompt.withCString { write(tty, $0, strlen($0)) }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(tty, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        return String(decoding: line, as: UTF8.self)
    }
}
