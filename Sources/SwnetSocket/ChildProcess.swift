import CSwnetLinux
import Glibc
import SwnetCore

/// A program started for one client (`listen --exec`): its stdin and
/// stdout are pipes whose other ends this object owns, stderr is swnet's,
/// and it inherits no other descriptor, no blocked signal and no ignored
/// one. Its exit is a descriptor an event loop can watch (a pidfd), so it
/// is reaped as soon as it ends and never left a zombie.
/// The spawn is posix_spawn (a vfork and an exec): cheap for a large parent.
public final class ChildProcess {
    public let pid: pid_t
    /// Our end of the child's stdin; -1 once closed.
    public private(set) var toChild: Int32
    /// Our end of the child's stdout; -1 once closed.
    public private(set) var fromChild: Int32
    private var exitDescriptor: Int32
    private weak var loop: EventLoop?
    /// The wait status once reaped.
    public private(set) var status: Int32?

    /// The path `program` runs from: itself when it has a slash, else the
    /// first executable match in PATH. Throws a local error (exit 10)
    /// naming the program when there is none, before anything listens.
    public static func locate(_ program: String) throws -> String {
        let candidates: [String]
        if program.contains("/") {
            candidates = [program]
        } else {
            let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
            candidates = path.split(separator: ":", omittingEmptySubsequences: false).map { ($0.isEmpty ? "." : String($0)) + "/" + program }
        }
        for candidate in candidates {
            var status = stat()
            if stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_mode & 0o111 != 0, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw SwnetError(.local, program.contains("/") ? "not an executable file" : "not found in PATH").adding("cannot run \(program)")
    }

    /// swnet's environment as `NAME=value` lines, without the variables
    /// named in `leaving`: read once, the base of every child's.
    public static func environment(leaving names: Set<String>) -> [String] {
        var lines: [String] = []
        var entry = environ
        while let text = entry.pointee {
            let line = String(cString: text)
            if !names.contains(String(line.prefix { $0 != "=" })) { lines.append(line) }
            entry += 1
        }
        return lines
    }

    /// Starts `path` with `arguments` (the first is its name) and
    /// `environment` (`NAME=value` lines).
    public init(path: String, arguments: [String], environment: [String]) throws {
        var input: [Int32] = [-1, -1]   // the child reads [0], we write [1]
        var output: [Int32] = [-1, -1]  // we read [0], the child writes [1]
        try syscallValue("pipe") { pipe(&input) }
        do { try syscallValue("pipe") { pipe(&output) } } catch { Glibc.close(input[0]); Glibc.close(input[1]); throw error }
        for fd in input + output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        for fd in [input[1], output[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        var child: pid_t = 0
        let result = Self.withCStrings(arguments) { argv in
            Self.withCStrings(environment) { envp in swnet_spawn(path, argv, envp, input[0], output[1], &child) }
        }
        Glibc.close(input[0])
        Glibc.close(output[1])
        guard result == 0 else {
            Glibc.close(input[1])
            Glibc.close(output[0])
            throw SwnetError(Errno(result)).reclassified(.local).adding("cannot run \(path)")
        }
        do {
            exitDescriptor = try syscallValue("pidfd_open") { swnet_pidfd_open(child) }
        } catch {
            // Without its pidfd the child's exit would go unseen, a zombie and a session that never ends: stop it now.
            _ = Glibc.kill(child, SIGKILL)
            var status: Int32 = 0
            _ = try? syscall("waitpid") { waitpid(child, &status, 0) }
            Glibc.close(input[1])
            Glibc.close(output[0])
            throw error
        }
        pid = child
        toChild = input[1]
        fromChild = output[0]
    }

    deinit {
        closeInput()
        closeOutput()
        if let loop, exitDescriptor >= 0 { loop.unwatch(exitDescriptor) }
        if exitDescriptor >= 0 { Glibc.close(exitDescriptor) }
    }

    /// Ends the child's stdin: it reads end-of-file.
    public func closeInput() {
        guard toChild >= 0 else { return }
        Glibc.close(toChild)
        toChild = -1
    }

    public func closeOutput() {
        guard fromChild >= 0 else { return }
        Glibc.close(fromChild)
        fromChild = -1
    }

    /// Calls `handler` on `loop` once the child has exited and is reaped.
    public func onExit(on loop: EventLoop, _ handler: @escaping () -> Void) throws {
        guard exitDescriptor >= 0 else { return }
        self.loop = loop
        try loop.watch(exitDescriptor, for: .readable) { [unowned self] _ in
            guard self.reap() else { return }
            loop.unwatch(self.exitDescriptor)
            handler()
        }
    }

    /// Collects the exit status if the child has ended; true once it has.
    /// The corresponding C function is `waitpid`.
    @discardableResult
    public func reap() -> Bool {
        if status != nil { return true }
        var value: Int32 = 0
        guard case .done(let reaped)? = try? syscall("waitpid", { waitpid(pid, &value, WNOHANG) }), reaped == pid else { return false }
        status = value
        return true
    }

    /// Sends `signal` unless the child is already reaped.
    public func signal(_ signal: Int32) {
        guard status == nil else { return }
        _ = Glibc.kill(pid, signal)
    }

    /// Waits until the child has exited and reaps it.
    public func waitForExit() {
        while status == nil {
            var value: Int32 = 0
            guard case .done(let reaped)? = try? syscall("waitpid", { waitpid(pid, &value, 0) }) else { return }
            if reaped == pid { status = value }
        }
    }

    private static func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        let copies = strings.map { strdup($0) } + [nil]
        defer { copies.forEach { free($0) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
