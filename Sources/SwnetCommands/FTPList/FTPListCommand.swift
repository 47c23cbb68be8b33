import SwnetCLI
import SwnetCore

/// `swnet ftp-list`. (Being written: the options and behaviour come with it.)
enum FTPListCommand: Command {
    static let spec = CommandSpec("ftp-list", summary: "(in progress)")

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        throw SwnetError(.failure, "not available yet")
    }
}
