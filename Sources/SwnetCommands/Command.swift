import SwnetCLI
import SwnetCore
import SwnetSocket

/// A command: its declaration in the command table and what it does.
protocol Command: Sendable {
    /// The word that selects it, known without building `spec`.
    static var name: String { get }
    static var spec: CommandSpec { get }
    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode
}

/// What every command receives besides its own options: the console and
/// the global choices.
public struct Context {
    public let console: Console
    /// `-4` or `-6`; nil lets the resolver offer both.
    public let family: AddressFamily?

    public init(console: Console, family: AddressFamily?) {
        self.console = console
        self.family = family
    }
}
