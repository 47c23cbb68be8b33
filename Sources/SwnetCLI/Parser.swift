import SwnetCore

/// What the command line asks for.
public enum ParseOutcome: Sendable {
    case run(Invocation)
    /// `-h`, `--help`, `help [COMMAND]`: nil is the program's own help.
    case help(CommandSpec?)
    /// `help --man`: the manual page.
    case manual
    case version
}

/// Turns arguments into an `Invocation`, checking every value against the
/// command table. Every failure is a usage error (exit 2) that names what
/// was wrong and, for a mistyped name, the nearest right one.
public struct Parser {
    public let program: ProgramSpec

    public init(_ program: ProgramSpec) { self.program = program }

    public func parse(_ arguments: [String]) throws -> ParseOutcome {
        do {
            return try parseStrictly(arguments)
        } catch {
            // Asking for help wins over a mistake elsewhere on the line.
            let beforeEnd = arguments.prefix { $0 != "--" }
            let asksForHelp = beforeEnd.contains {
                $0 == "--help" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.dropFirst().allSatisfy(\.isLetter) && $0.contains("h"))
            }
            if asksForHelp {
                return .help(beforeEnd.lazy.compactMap(program.command(named:)).first)
            }
            throw error
        }
    }

    private func parseStrictly(_ arguments: [String]) throws -> ParseOutcome {
        var command: CommandSpec?
        do {
            return try parseStrictly(arguments, command: &command)
        } catch let error as SwnetError {
            // Once the command is known, its mistakes read `swnet: connect: ...`.
            throw command.map { error.adding($0.name) } ?? error
        }
    }

    private func parseStrictly(_ arguments: [String], command: inout CommandSpec?) throws -> ParseOutcome {
        var positional: [String] = []
        var values = GivenOptions()
        var options = program.globalOptions
        var index = 0
        var optionsEnded = false

        func record(_ spec: OptionSpec, _ value: OptionValue) throws {
            // The last one wins, as in most tools; a flag given twice counts.
            values.add(value, for: spec.long, replacing: !spec.repeatable && spec.kind != .flag)
        }

        func nextValue(for spec: OptionSpec, as written: String) throws -> String {
            index += 1
            guard index < arguments.count else {
                throw SwnetError.usage("option \(written) needs a value: \(spec.kind.expectation)")
            }
            return arguments[index]
        }

        while index < arguments.count {
            let argument = arguments[index]
            defer { index += 1 }

            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                if command == nil {
                    guard let found = program.command(named: argument) else {
                        throw SwnetError.usage("unknown command '\(argument)'" + Suggestion.didYouMean(argument, in: program.commandNames))
                    }
                    command = found
                    options = found.options + program.globalOptions
                } else {
                    positional.append(argument)
                }
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }

            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name = String(body.prefix { $0 != "=" })
                let inline = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
                guard let spec = options.first(where: { $0.long == name }) else {
                    throw unknownOption("--" + name, options: options, command: command)
                }
                let written = "--" + name
                if !spec.takesValue {
                    if inline != nil { throw SwnetError.usage("option \(written) takes no value") }
                    try record(spec, .flag)
                } else if let inline {
                    try record(spec, try Parser.check(inline, for: spec, as: written))
                } else if spec.optionalValue {
                    try record(spec, .flag)
                } else {
                    try record(spec, try Parser.check(try nextValue(for: spec, as: written), for: spec, as: written))
                }
                continue
            }

            // Short options, possibly bundled: -vv, -zv, -p80, -p 80.
            var letters = argument.dropFirst()
            while let letter = letters.first {
                letters = letters.dropFirst()
                guard let spec = options.first(where: { $0.short == letter }) else {
                    throw unknownOption("-\(letter)", options: options, command: command)
                }
                let written = "-\(letter)"
                if !spec.takesValue {
                    try record(spec, .flag)
                    continue
                }
                let raw = letters.isEmpty ? try nextValue(for: spec, as: written) : String(letters)
                try record(spec, try Parser.check(raw, for: spec, as: written))
                break
            }
        }

        if values["help"] != nil { return .help(command) }
        if values["version"] != nil { return .version }
        // No command is a mistake (exit 2), not a request for help: a script that lost its command word must not succeed.
        guard let command else {
            throw SwnetError.usage("missing COMMAND; usage: \(program.name) [global options] COMMAND [options] [arguments] (\(program.name) help lists the commands)")
        }
        if command.name == "help" {
            if values["man"] != nil { return .manual }
            guard let topic = positional.first else { return .help(nil) }
            guard positional.count == 1 else { throw SwnetError.usage("unexpected argument '\(positional[1])'") }
            guard let spec = program.command(named: topic) else {
                throw SwnetError.usage("unknown command '\(topic)'" + Suggestion.didYouMean(topic, in: program.commandNames))
            }
            return .help(spec)
        }
        try checkCount(of: positional, for: command)
        try checkApplicability(values, options: options, positional: positional)
        return .run(Invocation(command: command, arguments: positional, values: values, options: options))
    }

    private func checkCount(of positional: [String], for command: CommandSpec) throws {
        let required = command.arguments.filter { !$0.optional }
        if positional.count < required.count {
            throw SwnetError.usage("missing \(required[positional.count].name); usage: \(program.name) \(command.name) \(command.usageLine)")
        }
        let variadic = command.arguments.contains { $0.variadic }
        if !variadic, positional.count > command.arguments.count {
            throw SwnetError.usage("unexpected argument '\(positional[command.arguments.count])'")
        }
        for (argument, value) in zip(command.arguments, positional) {
            if case .choice(let words) = argument.kind, !words.contains(value) {
                throw SwnetError.usage("unknown \(argument.name) '\(value)': expected \(argument.kind.expectation)" + Suggestion.didYouMean(value, in: words))
            }
        }
    }

    /// Options that contradict each other, or that do not apply to what was asked.
    private func checkApplicability(_ values: GivenOptions, options: [OptionSpec], positional: [String]) throws {
        for spec in options where values[spec.long] != nil {
            for other in spec.excludes where values[other] != nil {
                throw SwnetError.usage("--\(spec.long) and --\(other) exclude each other")
            }
            switch spec.onlyWith {
            case .withOption(let other)? where values[other] == nil:
                throw SwnetError.usage("--\(spec.long) applies only with --\(other)")
            case .withArgument(let word)? where positional.first != word:
                throw SwnetError.usage("--\(spec.long) applies to \(word) only, not to \(positional.first ?? "nothing")")
            default:
                break
            }
        }
    }

    private func unknownOption(_ written: String, options: [OptionSpec], command: CommandSpec?) -> SwnetError {
        var message = "unknown option \(written)"
        if let foreign = command?.foreignFlags.first(where: { $0.flag == written }) {
            return .usage(message + ": " + foreign.advice)
        }
        if written.hasPrefix("--"), let nearest = Suggestion.nearest(to: written, in: options.map { "--" + $0.long }) {
            message += "; did you mean \(nearest)?"
        } else if command == nil, program.commands.contains(where: { $0.options.contains { "--" + $0.long == written || $0.short.map { "-\($0)" } == written } }) {
            message += "; a command's options go after the command"
        }
        return .usage(message)
    }

    /// Checks one value against its option's kind.
    static func check(_ raw: String, for spec: OptionSpec, as written: String? = nil) throws -> OptionValue {
        let name = written ?? "--" + spec.long
        func invalid() -> SwnetError {
            .usage("invalid value '\(raw)' for \(name): expected \(spec.kind.expectation)")
        }
        switch spec.kind {
        case .flag:
            return .flag
        case .text:
            // An empty text is a value like any other (`--body ''`, `--subject ''`); its command judges it.
            return .text(raw)
        case .file, .host:
            if raw.isEmpty { throw invalid() }
            return .text(raw)
        case .integer(let range):
            guard let value = Int(raw), range.contains(value) else { throw invalid() }
            return .integer(value)
        case .duration, .limit:
            guard let value = TimeSpan.parse(raw), value > .zero || spec.kind == .duration else { throw invalid() }
            return .duration(value)
        case .size:
            guard let value = ByteSize.parse(raw) else { throw invalid() }
            return .size(value)
        case .choice(let words):
            // Case does not matter (`--auth PLAIN`); the command sees the word as declared.
            guard let word = words.first(where: { $0.lowercased() == raw.lowercased() }) else {
                throw SwnetError.usage("invalid value '\(raw)' for \(name): expected \(spec.kind.expectation)" + Suggestion.didYouMean(raw, in: words))
            }
            return .text(word)
        }
    }
}
