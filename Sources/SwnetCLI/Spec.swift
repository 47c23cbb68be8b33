/// The command table's vocabulary. Each command is declared once, as data,
/// and that one declaration drives the parser, the help text, and the
/// generated completions and man page.

/// What an option or argument takes, which also says how to check it and
/// what a shell should offer when completing it.
public enum ValueKind: Sendable, Equatable {
    /// No value: a switch. Given twice it counts (`-vv`).
    case flag
    /// Free text.
    case text
    /// A whole number within bounds.
    case integer(ClosedRange<Int>)
    /// A duration: `250ms`, `2s`, `1.5m`, `1h`; a bare number is seconds.
    /// Zero is allowed: for a pause (`--grace`, `--interval`) it means none.
    case duration
    /// A time limit (a timeout, a wait): a duration above zero. Zero is
    /// refused rather than read as "at once" or "no limit", which tools
    /// disagree on; leaving the option out is how to have no limit.
    case limit
    /// A size: `512`, `64K`, `1M`, `2G`.
    case size
    /// One of a fixed set of words.
    case choice([String])
    /// A path to a file.
    case file
    /// A host name or address, possibly with a port.
    case host

    /// What a shell should complete for this value.
    public enum Completion: Sendable, Equatable { case none, files, hosts, words([String]) }

    public var completion: Completion {
        switch self {
        case .file: return .files
        case .host: return .hosts
        case .choice(let words): return .words(words)
        default: return .none
        }
    }

    /// The expectation named in a usage error: "expected a duration such as 2s or 250ms".
    public var expectation: String {
        switch self {
        case .flag: return "no value"
        case .text: return "a value"
        case .integer(let range):
            return range.upperBound == Int.max ? "a whole number of at least \(range.lowerBound)" : "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .duration: return "a duration such as 250ms, 2s, 1.5m, 1h or 30d"
        case .limit: return "a duration above 0 such as 250ms, 2s, 1.5m, 1h or 30d"
        case .size: return "a size such as 512, 64K or 1M"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .file: return "a file name"
        case .host: return "a host name or address"
        }
    }
}

/// When an option means something, beyond being given.
public enum Applicability: Sendable, Equatable {
    /// Only together with this other option (`--concurrency` with `--scan`).
    case withOption(String)
    /// Only when the first argument is this word (`--format` for daytime).
    case withArgument(String)
}

/// One option: `--long`, maybe `-s`, and what it takes.
public struct OptionSpec: Sendable {
    public let long: String
    public let short: Character?
    public let kind: ValueKind
    /// The value's name in help and usage: `DUR`, `N`, `ADDR[:PORT]`.
    public let placeholder: String
    public let defaultValue: String?
    public let help: String
    /// May be given more than once, each value kept (`-H a -H b`).
    public let repeatable: Bool
    /// The value is optional and only attaches with `=`: `--reply[=DUR]`.
    public let optionalValue: Bool
    /// Options that contradict this one: giving both is a usage error.
    public let excludes: [String]
    /// When this option applies; given where it does not, it is a usage
    /// error rather than silently ignored.
    public let onlyWith: Applicability?
    /// Values a shell offers for free text that has usual words (`--format`).
    public let suggestions: [String]

    public init(_ long: String, short: Character? = nil, _ kind: ValueKind = .flag, placeholder: String? = nil,
                default defaultValue: String? = nil, repeatable: Bool = false, optionalValue: Bool = false,
                excludes: [String] = [], onlyWith: Applicability? = nil, suggestions: [String] = [], help: String) {
        self.long = long
        self.short = short
        self.kind = kind
        self.placeholder = placeholder ?? OptionSpec.defaultPlaceholder(kind)
        self.defaultValue = defaultValue
        self.help = help
        self.repeatable = repeatable
        self.optionalValue = optionalValue
        self.excludes = excludes
        self.onlyWith = onlyWith
        self.suggestions = suggestions
    }

    /// What a shell completes for the value: the suggestions, else what the kind says.
    public var completion: ValueKind.Completion { suggestions.isEmpty ? kind.completion : .words(suggestions) }

    /// `only with --scan; not with --udp`, as help and the man page show it.
    public var applicabilityNote: String? {
        var parts: [String] = []
        switch onlyWith {
        case .withOption(let other)?: parts.append("only with --\(other)")
        case .withArgument(let word)?: parts.append("\(word) only")
        case nil: break
        }
        if !excludes.isEmpty { parts.append("not with " + excludes.map { "--" + $0 }.joined(separator: ", ")) }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    public var takesValue: Bool { kind != .flag }

    /// `-p, --port N` as help and usage errors show it.
    public var signature: String {
        var text = short.map { "-\($0), " } ?? "    "
        text += "--" + long
        if takesValue { text += optionalValue ? "[=\(placeholder)]" : " \(placeholder)" }
        return text
    }

    private static func defaultPlaceholder(_ kind: ValueKind) -> String {
        switch kind {
        case .flag: return ""
        case .duration, .limit: return "DUR"
        case .size: return "SIZE"
        case .integer: return "N"
        case .file: return "FILE"
        case .host: return "HOST"
        case .choice(let words): return words.joined(separator: "|")
        case .text: return "TEXT"
        }
    }
}

/// One positional argument.
public struct ArgumentSpec: Sendable {
    public let name: String
    public let kind: ValueKind
    public let help: String
    public let optional: Bool
    /// Takes all remaining arguments.
    public let variadic: Bool

    public init(_ name: String, _ kind: ValueKind = .text, optional: Bool = false, variadic: Bool = false, help: String) {
        self.name = name
        self.kind = kind
        self.help = help
        self.optional = optional
        self.variadic = variadic
    }
}

/// A worked example for help and the man page.
public struct Example: Sendable {
    public let command: String
    public let explanation: String
    public init(_ command: String, _ explanation: String) {
        self.command = command
        self.explanation = explanation
    }
}

/// A flag of another tool (`curl -L`, `nc -l`) that people type out of
/// habit: not an option, but a mistake answered with the swnet way.
/// Shown nowhere but in that answer.
public struct ForeignFlag: Sendable {
    /// As typed: `-L`, `--compressed`.
    public let flag: String
    /// What to do instead: `http-get follows redirects by default`.
    public let advice: String
    public init(_ flag: String, _ advice: String) {
        self.flag = flag
        self.advice = advice
    }
}

/// One command, declared once.
public struct CommandSpec: Sendable {
    public let name: String
    public let summary: String
    /// The argument part of the usage line, when the arguments alone do not say it.
    public let usage: String?
    public let arguments: [ArgumentSpec]
    public let options: [OptionSpec]
    /// Paragraphs of explanation for help and the man page.
    public let discussion: [String]
    public let examples: [Example]
    /// Other tools' flags, answered with what swnet does instead.
    public let foreignFlags: [ForeignFlag]

    public init(_ name: String, summary: String, usage: String? = nil, arguments: [ArgumentSpec] = [], options: [OptionSpec] = [],
                discussion: [String] = [], examples: [Example] = [], foreignFlags: [ForeignFlag] = []) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.arguments = arguments
        self.options = options
        self.discussion = discussion
        self.examples = examples
        self.foreignFlags = foreignFlags
    }

    /// `[options] HOST:PORT [MESSAGE...]`
    public var usageLine: String {
        if let usage { return usage }
        let arguments = arguments.map { argument -> String in
            let name = argument.variadic ? argument.name + "..." : argument.name
            return argument.optional ? "[\(name)]" : name
        }
        return (["[options]"] + arguments).joined(separator: " ")
    }
}

/// A command as the program's table lists it: its name at once, its spec
/// when first asked for. A run then builds the spec of the one command it
/// runs, not the whole table (a fifth of `swnet --version`'s instructions).
public struct CommandEntry: Sendable {
    public let name: String
    let spec: @Sendable () -> CommandSpec

    public init(_ name: String, spec: @escaping @Sendable () -> CommandSpec) {
        self.name = name
        self.spec = spec
    }
}

/// The whole program: its global options and its commands, and the text
/// of its manual page.
public struct ProgramSpec: Sendable {
    public let name: String
    public let version: String
    /// The manual's date: fixed per release, so the generated page is stable.
    public let date: String
    public let summary: String
    public let description: [String]
    public let globalOptions: [OptionSpec]
    private let entries: [CommandEntry]
    /// Variables that change behaviour, with what they do.
    public let environment: [(name: String, meaning: String)]
    /// Shell-script recipes.
    public let examples: [Example]
    public let seeAlso: [String]
    public let standards: [String]

    /// A table whose commands are all built already.
    public init(name: String, version: String, date: String = "", summary: String, description: [String] = [], globalOptions: [OptionSpec],
                commands: [CommandSpec], environment: [(name: String, meaning: String)] = [], examples: [Example] = [],
                seeAlso: [String] = [], standards: [String] = []) {
        self.init(name: name, version: version, date: date, summary: summary, description: description, globalOptions: globalOptions,
                  entries: commands.map { command in CommandEntry(command.name) { command } }, environment: environment,
                  examples: examples, seeAlso: seeAlso, standards: standards)
    }

    public init(name: String, version: String, date: String = "", summary: String, description: [String] = [], globalOptions: [OptionSpec],
                entries: [CommandEntry], environment: [(name: String, meaning: String)] = [], examples: [Example] = [],
                seeAlso: [String] = [], standards: [String] = []) {
        self.name = name
        self.version = version
        self.date = date
        self.summary = summary
        self.description = description
        self.globalOptions = globalOptions
        self.entries = entries
        self.environment = environment
        self.examples = examples
        self.seeAlso = seeAlso
        self.standards = standards
    }

    /// Every command, built: for help, the manual and the completions.
    public var commands: [CommandSpec] { entries.map { $0.spec() } }

    public var commandNames: [String] { entries.map(\.name) }

    public func command(named name: String) -> CommandSpec? {
        entries.first { $0.name == name }?.spec()
    }

    /// The options that take a value, wherever they appear: what a
    /// completion script must skip when looking for the command word.
    public var globalOptionsWithValues: [OptionSpec] { globalOptions.filter { $0.takesValue && !$0.optionalValue } }
}
