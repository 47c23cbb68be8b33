import SwnetCore

/// A bind the system refused on a port below 1024 (EACCES), explained
/// once for every server command: what is wrong and which --port to use.
enum PrivilegedPort {
    static func explained(_ error: SwnetError, port: UInt16) -> SwnetError {
        guard error.errno?.isPermissionDenied == true && port < 1024 && port > 0 else { return error }
        return SwnetError(.local, "\(error.reason): ports below 1024 need root; use --port \(1000 + Int(port)) or --port 0 for a free one", errno: error.errno)
            .adding(error.context.joined(separator: ": "))
    }
}
