import CSwnetLinux

/// stdin and stdout switched to non-blocking for an event loop, and back.
///
/// The file description may be the shell's terminal, shared with the
/// parent: its flags are put back on exit, and on SIGINT by the C handler.
public enum StdioMode {
    /// False when `fd` is not open (`<&-`).
    public static func makeNonBlocking(_ fd: Int32) -> Bool {
        swnet_make_stdio_nonblocking(fd) == 0
    }

    public static func restore() {
        swnet_restore_stdio()
    }
}
