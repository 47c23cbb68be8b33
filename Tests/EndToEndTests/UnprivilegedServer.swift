import Foundation
import XCTest

/// Runs a server that refuses to run as root, or should not: PostgreSQL
/// will not start as root at all, and dovecot run by root would switch to
/// its own system users. When the tests run as root (as CI does) the
/// server runs as `nobody` through `setpriv`, which execs it, so the PID
/// is the server's; otherwise it runs as the user running the tests.
enum UnprivilegedServer {
    static let asRoot = geteuid() == 0
    /// nobody:nogroup on Debian.
    static let uid: uid_t = asRoot ? 65534 : geteuid()
    static let gid: gid_t = asRoot ? 65534 : getegid()
    static var userName: String { String(cString: getpwuid(uid).pointee.pw_name) }
    static var groupName: String { String(cString: getgrgid(gid).pointee.gr_name) }

    /// A folder the server's user owns, with `files` copied into it (the
    /// certificate and key: the server must be able to read them, and
    /// PostgreSQL wants its key private to it).
    static func folder(_ prefix: String, copying files: [String: String] = [:]) throws -> String {
        let folder = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, source) in files {
            try FileManager.default.copyItem(atPath: source, toPath: folder + "/" + name)
            chmod(folder + "/" + name, 0o600)
        }
        try giveAway(folder)
        return folder
    }

    /// Hands `path` and what is under it to the server's user.
    static func giveAway(_ path: String) throws {
        guard asRoot else { return }
        let paths = [path] + (FileManager.default.subpaths(atPath: path) ?? []).map { path + "/" + $0 }
        for item in paths where chown(item, uid, gid) != 0 {
            throw PeerError.exited(["chown", item])
        }
    }

    /// Starts `program ARGUMENTS` as the server's user; stdout and stderr go to `log`.
    static func start(_ program: String, _ arguments: [String], log: String, environment: [String: String] = [:]) throws -> Peer {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        if asRoot { chown(log, uid, gid) }
        let output = FileHandle(forWritingAtPath: log)!
        let command = (environment.isEmpty ? [] : ["env"] + environment.map { "\($0)=\($1)" }) + [program] + arguments
        if asRoot {
            return try Peer("setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"] + command, stdout: output, stderr: output)
        }
        return try Peer(command[0], Array(command.dropFirst()), stdout: output, stderr: output)
    }
}
