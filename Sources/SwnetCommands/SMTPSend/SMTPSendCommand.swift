import SwnetCLI
import SwnetCore

/// `swnet smtp-send`. (Being written: the options and behaviour come with it.)
enum SMTPSendCommand: Command {
    static let spec = CommandSpec("smtp-send", summary: "(in progress)")

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        throw SwnetError(.failure, "not available yet")
    }
}
