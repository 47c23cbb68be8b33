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
}
