import SwnetCLI
import SwnetCore
import SwnetSocket

/// The executable's whole job: table -> parse -> run -> exit code.
public enum Entry {
    /// Runs swnet with `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String], out: OutputSink = FileSink(fd: 1), err: OutputSink = FileSink(fd: 2)) -> Int32 {
        let outcome: ParseOutcome
        do {
            outcome = try Parser(Program.spec).parse(arguments)
        } catch let error as SwnetError {
            // The parse failed, so --json is read off the raw arguments.
            let json = arguments.prefix { $0 != "--" }.contains("--json")
            Console(out: out, err: err, json: json, color: Terminal.useColor("auto", sink: err)).report(error, command: nil)
            return error.code.rawValue
        } catch {
            preconditionFailure("\(error)")
        }

        switch outcome {
        case .version:
            // With --json, stdout holds only JSON, even here.
            let json = arguments.prefix { $0 != "--" }.contains("--json")
            out.write(json ? JSONValue.object([("version", .string(Program.version))]).rendered + "\n" : "swnet \(Program.version)\n")
            return ExitCode.success.rawValue
        case .manual:
            out.write(ManPage.page(for: Program.spec))
            return ExitCode.success.rawValue
        case .help(let command):
            out.write(command.map { Help.command($0, in: Program.spec) } ?? Help.overview(Program.spec))
            return ExitCode.success.rawValue
        case .run(let invocation):
            let console = Console(out: out, err: err, json: invocation.isSet("json"), verbosity: invocation.count("verbose"),
                                  quiet: invocation.isSet("quiet"), color: Terminal.useColor(invocation.text("color") ?? "auto", sink: err))
            let name = invocation.command.name
            do {
                guard let command = Program.commands.first(where: { $0.name == name }) else {
                    preconditionFailure("\(name) is in the table but has no implementation")
                }
                let family: AddressFamily? = invocation.isSet("ipv4") ? .v4 : invocation.isSet("ipv6") ? .v6 : nil
                let code = try command.run(invocation, Context(console: console, family: family))
                // Data that did not reach its reader is a failure, whatever the command made of it.
                if let lost = out.writeError { throw SwnetError(.local, "cannot write stdout: \(lost)", errno: lost) }
                return code.rawValue
            } catch let error as SwnetError {
                console.report(error, command: name)
                return error.code.rawValue
            } catch {
                preconditionFailure("\(error)")
            }
        }
    }
}
