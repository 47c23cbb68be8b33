/// `--help` text, made from the command table.
public enum Help {
    /// The program's overview: usage, commands, global options.
    public static func overview(_ program: ProgramSpec) -> String {
        var text = "\(program.name) \(program.version): \(program.summary)\n\n"
        text += "Usage: \(program.name) [global options] COMMAND [options] [arguments]\n\n"
        text += "Commands:\n"
        let width = (program.commands.map(\.name.count).max() ?? 0) + 2
        for command in program.commands {
            text += pad("  " + command.name, width + 2) + wrap(command.summary, indent: width + 2).dropFirst(width + 2) + "\n"
        }
        text += "\nGlobal options (before or after the command):\n"
        text += table(program.globalOptions)
        text += "\nRun '\(program.name) help COMMAND' for a command's options and examples.\n"
        return text
    }

    /// One command's help; `swnet help CMD` and `swnet CMD --help` print it.
    public static func command(_ command: CommandSpec, in program: ProgramSpec) -> String {
        var text = "Usage: \(program.name) \(command.name) \(command.usageLine)\n\n\(command.summary)\n"
        for paragraph in command.discussion {
            text += "\n" + wrap(paragraph, indent: 0) + "\n"
        }
        if !command.arguments.isEmpty {
            text += "\nArguments:\n"
            let width = (command.arguments.map(\.name.count).max() ?? 0) + 4
            for argument in command.arguments {
                text += pad("  " + argument.name, width) + wrap(argument.help, indent: width).dropFirst(width) + "\n"
            }
        }
        if !command.options.isEmpty {
            text += "\nOptions:\n" + table(command.options)
        }
        text += "\nGlobal options:\n" + table(program.globalOptions)
        if !command.examples.isEmpty {
            text += "\nExamples:\n"
            for example in command.examples {
                text += "  \(example.command)\n      \(example.explanation)\n"
            }
        }
        return text
    }

    /// Options in two columns, the help text wrapped under its own column.
    private static func table(_ options: [OptionSpec]) -> String {
        let width = min((options.map(\.signature.count).max() ?? 0) + 4, 30)
        var text = ""
        for option in options {
            var help = option.help
            if let note = option.applicabilityNote { help += " (\(note))" }
            // A no-break space keeps "(default: X)" on one line when wrapped.
            if let value = option.defaultValue { help += " (default:\u{A0}\(value))" }
            let signature = "  " + option.signature
            let body = wrap(help, indent: width).dropFirst(width)
            text += signature.count + 2 > width ? signature + "\n" + String(repeating: " ", count: width) + body + "\n"
                                                : pad(signature, width) + body + "\n"
        }
        return text
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Wraps a paragraph at 78 columns.
    static func wrap(_ paragraph: String, indent: Int) -> String {
        var lines: [String] = []
        var line = ""
        for word in paragraph.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > 78 - indent {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        let margin = String(repeating: " ", count: indent)
        return lines.map { margin + $0 }.joined(separator: "\n").replacingNoBreakSpaces()
    }
}

private extension String {
    func replacingNoBreakSpaces() -> String {
        String(map { $0 == "\u{A0}" ? " " : $0 })
    }
}
