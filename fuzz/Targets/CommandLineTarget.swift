import SwnetCLI
import SwnetCore

/// Arbitrary argv (NUL-separated words) against the real command table:
/// parsed only, never run. A parse either succeeds or is a usage error.
enum CommandLineTarget {
    static func run(_ input: FuzzInput) {
        let arguments = input.texts(separator: 0)
        do {
            switch try Parser(Program.spec).parse(arguments) {
            case .help(let command):
                _ = command.map { Help.command($0, in: Program.spec) } ?? Help.overview(Program.spec)
            case .run(let invocation):
                require(Program.commands.contains { $0.spec.name == invocation.command.name }, "parsed an unknown command")
            case .manual, .version:
                break
            }
        } catch let error as SwnetError {
            require(error.code == .usage, "a parse failed with exit \(error.code.rawValue): \(error)")
            _ = error.description
        } catch {
            require(false, "a parse threw \(error)")
        }
    }
}
