import SwnetCLI
import SwnetCore

/// `swnet completion bash|zsh|fish`: the completion script, made from the
/// command table (the repo commits its output under completions/).
enum CompletionCommand: Command {
    static let name = "completion"
    static let spec = CommandSpec(
        name, summary: "Print the shell completion script for bash, zsh or fish",
        arguments: [ArgumentSpec("SHELL", .choice(["bash", "zsh", "fish"]), help: "The shell to complete for")],
        examples: [
            Example("swnet completion bash > ~/.local/share/bash-completion/completions/swnet", "Complete swnet in bash"),
            Example("swnet completion zsh > ~/.zfunc/_swnet", "Complete swnet in zsh (with ~/.zfunc in fpath)"),
            Example("swnet completion fish > ~/.config/fish/completions/swnet.fish", "Complete swnet in fish"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let program = Program.spec
        switch invocation.arguments[0] {
        case "bash": context.console.out.write(BashCompletion.script(for: program))
        case "zsh": context.console.out.write(ZshCompletion.script(for: program))
        default: context.console.out.write(FishCompletion.script(for: program))
        }
        return .success
    }
}
