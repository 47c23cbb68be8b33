import Glibc
import SwnetCore

/// Creating the folders a command writes into (`mkdir -p`).
enum Folders {
    /// Creates `path` and the folders above it that are missing, each with
    /// `mode` (less the umask). A failure names the folder it stopped at,
    /// as a `kind` of folder ("folder", "cache folder").
    static func create(_ path: String, mode: mode_t, kind: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            do {
                try syscallValue("mkdir") { mkdir(prefix, mode) }
            } catch let failure as SwnetError where failure.errno?.rawValue == EEXIST {
                // There already; a file in the way shows when the first file is written.
            } catch let failure as SwnetError {
                throw SwnetError(.local, "cannot create the \(kind) \(prefix): \(failure.cause)")
            }
            prefix += "/"
        }
    }
}
