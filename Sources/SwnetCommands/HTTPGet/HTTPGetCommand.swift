import SwnetCLI
import SwnetCore

/// `swnet http-get`. (Being written: the options and behaviour come with it.)
enum HTTPGetCommand: Command {
    static let spec = CommandSpec("http-get", summary: "(in progress)")

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        throw SwnetError(.failure, "not available yet")
    }
}
