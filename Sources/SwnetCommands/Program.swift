import SwnetCLI

/// The command table: every command and global option swnet has, declared
/// once. Parsing, help, completions and the man page all read it.
public enum Program {
    public static let version = "0.1.0"

    static let commands: [any Command.Type] = [
        ServeCommand.self, ConnectCommand.self, UDPSendCommand.self, HTTPGetCommand.self, FTPListCommand.self, SMTPSendCommand.self,
    ]

    public static let globalOptions: [OptionSpec] = [
        OptionSpec("help", short: "h", help: "Show help for swnet or for the command"),
        OptionSpec("version", short: "V", help: "Print the version and exit"),
        OptionSpec("verbose", short: "v", help: "Say more on stderr; -vv also shows the protocol transcript"),
        OptionSpec("quiet", short: "q", help: "Print no diagnostics, only errors"),
        OptionSpec("json", help: "Write JSON on stdout: one document, or one object a line for streams"),
        OptionSpec("ipv4", short: "4", help: "Use IPv4 addresses only"),
        OptionSpec("ipv6", short: "6", help: "Use IPv6 addresses only"),
        OptionSpec("color", .choice(["auto", "always", "never"]), placeholder: "WHEN", default: "auto",
                   help: "Colour diagnostics: auto colours a terminal unless NO_COLOR is set"),
    ]

    static let help = CommandSpec(
        "help", summary: "Show help for swnet or for a command",
        arguments: [ArgumentSpec("COMMAND", optional: true, help: "The command to explain")])

    public static let spec = ProgramSpec(
        name: "swnet", version: version,
        summary: "everyday network jobs from one consistent command line",
        globalOptions: globalOptions,
        commands: commands.map { $0.spec } + [help])
}
