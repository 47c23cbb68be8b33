import XCTest
import SwnetCLI
import SwnetCore

/// A small table of our own, so the parser's rules are tested apart from
/// what swnet's commands happen to declare.
enum SmallTable {
    static let spec = ProgramSpec(
        name: "tool", version: "9.8.7", summary: "a table for tests",
        globalOptions: [
            OptionSpec("help", short: "h", help: "Help"),
            OptionSpec("version", short: "V", help: "Version"),
            OptionSpec("verbose", short: "v", help: "More"),
            OptionSpec("json", help: "JSON"),
            OptionSpec("color", .choice(["auto", "always", "never"]), default: "auto", help: "Colour"),
        ],
        commands: [
            CommandSpec("fetch", summary: "Fetch things",
                        arguments: [
                            ArgumentSpec("URL", help: "Where"),
                            ArgumentSpec("MORE", optional: true, variadic: true, help: "More URLs"),
                        ],
                        options: [
                            OptionSpec("port", short: "p", .integer(1...65535), default: "80", help: "Port"),
                            OptionSpec("header", short: "H", .text, repeatable: true, help: "A header"),
                            OptionSpec("zip", short: "z", help: "Compress"),
                            OptionSpec("limit", short: "l", .size, default: "1M", help: "Size limit"),
                            OptionSpec("wait", .duration, default: "2s", optionalValue: true, help: "Wait"),
                            OptionSpec("timeout", short: "t", .duration, default: "10s", help: "Timeout"),
                            OptionSpec("mode", .choice(["fast", "safe", "slow"]), default: "safe", help: "Mode"),
                            OptionSpec("name", .text, help: "A name"),
                            OptionSpec("retries", .integer(0...Int.max), help: "Retries"),
                            OptionSpec("output", short: "o", .file, help: "Output file"),
                        ]),
            CommandSpec("serve", summary: "Serve a service",
                        arguments: [ArgumentSpec("SERVICE", .choice(["daytime", "echo", "discard"]), help: "Which")],
                        options: [OptionSpec("port", .integer(0...65535), default: "13", help: "Port")]),
            CommandSpec("list", summary: "List", arguments: [ArgumentSpec("DIR", optional: true, help: "A directory")]),
            CommandSpec("help", summary: "Help", arguments: [ArgumentSpec("COMMAND", optional: true, help: "Which")]),
        ])
}

extension XCTestCase {
    /// Parses and expects a command to run.
    func invocation(_ arguments: [String], _ program: ProgramSpec, file: StaticString = #filePath, line: UInt = #line) throws -> Invocation {
        let outcome = try Parser(program).parse(arguments)
        guard case .run(let invocation) = outcome else {
            XCTFail("expected .run for \(arguments), got \(outcome)", file: file, line: line)
            throw SwnetError.usage("not run")
        }
        return invocation
    }

    /// Parses and expects a usage error whose message contains every one of `fragments`.
    @discardableResult
    func usageError(_ arguments: [String], _ program: ProgramSpec, contains fragments: [String],
                    file: StaticString = #filePath, line: UInt = #line) -> SwnetError? {
        do {
            let outcome = try Parser(program).parse(arguments)
            XCTFail("expected a usage error for \(arguments), got \(outcome)", file: file, line: line)
            return nil
        } catch let error as SwnetError {
            XCTAssertEqual(error.code, .usage, "\(arguments): \(error)", file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "\(arguments): '\(error.description)' does not contain '\(fragment)'",
                              file: file, line: line)
            }
            return error
        } catch {
            XCTFail("\(arguments): not a SwnetError: \(error)", file: file, line: line)
            return nil
        }
    }

    /// The command a `.help` outcome names ("" for the overview), or nil when the outcome is not help.
    func helpTopic(_ arguments: [String], _ program: ProgramSpec, file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            guard case .help(let command) = try Parser(program).parse(arguments) else { return nil }
            return command?.name ?? ""
        } catch {
            XCTFail("\(arguments): unexpected error \(error)", file: file, line: line)
            return nil
        }
    }
}
