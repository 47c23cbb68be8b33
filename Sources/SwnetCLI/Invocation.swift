import SwnetCore

/// A checked option value.
public enum OptionValue: Sendable, Equatable {
    case flag
    case text(String)
    case integer(Int)
    case duration(Duration)
    case size(Int)
}

/// A parsed command line: the command, its checked options and its arguments.
///
/// Accessors fall back to the option's declared default, so a default is
/// written once, in the table, and help shows the same one the code uses.
public struct Invocation: Sendable {
    public let command: CommandSpec
    public let arguments: [String]
    let values: GivenOptions
    let options: [OptionSpec]

    init(command: CommandSpec, arguments: [String], values: GivenOptions, options: [OptionSpec]) {
        self.command = command
        self.arguments = arguments
        self.values = values
        self.options = options
    }

    /// Whether the option was given.
    public func isSet(_ long: String) -> Bool { values[long] != nil }

    /// How often a flag was given (`-vv` is 2).
    public func count(_ long: String) -> Int { values[long]?.count ?? 0 }

    public func text(_ long: String) -> String? {
        if case .text(let value) = last(long) { return value }
        return nil
    }

    /// Every value of a repeatable option, in the order given.
    public func texts(_ long: String) -> [String] {
        (values[long] ?? []).compactMap { if case .text(let value) = $0 { return value } else { return nil } }
    }

    public func integer(_ long: String) -> Int? {
        if case .integer(let value) = last(long) { return value }
        return nil
    }

    public func duration(_ long: String) -> Duration? {
        if case .duration(let value) = last(long) { return value }
        return nil
    }

    public func size(_ long: String) -> Int? {
        if case .size(let value) = last(long) { return value }
        return nil
    }

    /// The last value given, else the declared default. A value-less use of
    /// an optional-value option (`--reply`) also yields the default.
    private func last(_ long: String) -> OptionValue? {
        if let value = values[long]?.last, value != .flag { return value }
        guard let spec = options.first(where: { $0.long == long }) else {
            preconditionFailure("--\(long) is not in the command table for \(command.name)")
        }
        guard let defaultValue = spec.defaultValue else { return nil }
        return try? Parser.check(defaultValue, for: spec)
    }
}
