import XCTest
import SwnetCLI
import SwnetCore
import SwnetCommands

/// Rules of the command line that hold for every command, checked against
/// every command in the table, so a new command or option inherits them.
final class ContractTests: XCTestCase {
    override func setUp() {
        super.setUp()
        setenv("NO_COLOR", "1", 1)
    }

    private func run(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
        let out = MemorySink(), err = MemorySink()
        let status = Entry.run(arguments, out: out, err: err)
        return (status, out.text, err.text)
    }

    private var everyOption: [(command: String, option: OptionSpec)] {
        Program.spec.commands.flatMap { command in command.options.map { (command.name, $0) } }
    }

    /// A limit of 0 is refused everywhere (exit 2, the option named); a pause of 0 means no pause.
    func testADurationOfZero() {
        var limits = 0
        for (command, option) in everyOption {
            switch option.kind {
            case .limit:
                limits += 1
                for zero in ["0", "0s", "0ms"] {
                    let result = run([command, "--\(option.long)=\(zero)"])
                    XCTAssertEqual(result.status, 2, "\(command) --\(option.long)=\(zero)")
                    XCTAssertEqual(result.err, "swnet: \(command): invalid value '\(zero)' for --\(option.long): expected a duration above 0 such as 250ms, 2s, 1.5m, 1h or 30d\n")
                }
            case .duration:
                let parsed = try? Parser(Program.spec).parse([command, "--\(option.long)=0"])
                guard case .run(let invocation)? = parsed ?? nil else {
                    // Only the missing arguments may stop it: the value itself is fine.
                    let result = run([command, "--\(option.long)=0"])
                    XCTAssertFalse(result.err.contains("invalid value"), "\(command) --\(option.long)=0: \(result.err)")
                    continue
                }
                XCTAssertEqual(invocation.duration(option.long), .zero)
            default:
                continue
            }
        }
        XCTAssertGreaterThanOrEqual(limits, 10)
    }

    /// Every timeout, wait and total limit is declared a limit, so the rule above covers it.
    func testEveryTimeoutIsALimit() {
        for (command, option) in everyOption where option.long.hasSuffix("timeout") || ["max-time", "wait", "reply"].contains(option.long) {
            XCTAssertEqual(option.kind, .limit, "\(command) --\(option.long)")
        }
    }

    /// A value each kind accepts, to build command lines from the table.
    private func sample(_ kind: ValueKind) -> [String] {
        switch kind {
        case .flag: return []
        case .integer(let range): return [String(max(range.lowerBound, 1))]
        case .duration, .limit: return ["1s"]
        case .size: return ["1K"]
        case .choice(let words): return [words[0]]
        case .file: return ["/dev/null"]
        case .text, .host: return ["x"]
        }
    }

    private func option(_ spec: OptionSpec) -> [String] { ["--" + spec.long] + (spec.optionalValue ? [] : sample(spec.kind)) }

    /// The usage error `arguments` get from the parser, or nil when they parse.
    private func mistake(_ arguments: [String]) -> String? {
        do {
            _ = try Parser(Program.spec).parse(arguments)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Options that contradict each other or do not apply are usage errors naming both, for every declaration.
    func testOptionsThatDoNotApplyAreRefused() throws {
        var declarations = 0
        for command in Program.spec.commands where command.name != "help" {
            let options = command.options + Program.globalOptions
            // Arguments that satisfy the command, and differ from any word an option is limited to.
            func arguments(for word: String? = nil) -> [String] {
                command.arguments.filter { !$0.optional }.map { argument in
                    if case .choice(let words) = argument.kind { return word ?? words.first { w in !options.contains { $0.onlyWith == .withArgument(w) } } ?? words[0] }
                    return "h:1"
                }
            }
            for spec in options {
                for other in spec.excludes {
                    declarations += 1
                    let otherSpec = try XCTUnwrap(options.first { $0.long == other }, "\(command.name) --\(spec.long) excludes unknown --\(other)")
                    let line = [command.name] + option(spec) + option(otherSpec) + arguments()
                    XCTAssertEqual(mistake(line), "\(command.name): --\(spec.long) and --\(other) exclude each other", "\(line)")
                }
                switch spec.onlyWith {
                case .withOption(let other)?:
                    declarations += 1
                    let otherSpec = try XCTUnwrap(options.first { $0.long == other })
                    XCTAssertEqual(mistake([command.name] + option(spec) + arguments()), "\(command.name): --\(spec.long) applies only with --\(other)")
                    XCTAssertNil(mistake([command.name] + option(spec) + option(otherSpec) + arguments()), "\(command.name) --\(spec.long) --\(other)")
                case .withArgument(let word)?:
                    declarations += 1
                    let elsewhere = arguments()
                    XCTAssertEqual(mistake([command.name] + option(spec) + elsewhere),
                                   "\(command.name): --\(spec.long) applies to \(word) only, not to \(elsewhere[0])")
                    XCTAssertNil(mistake([command.name] + option(spec) + arguments(for: word)))
                case nil:
                    break
                }
                // Help and the man page say it where the option is described.
                if let note = spec.applicabilityNote, command.options.contains(where: { $0.long == spec.long }) {
                    let help = Help.command(command, in: Program.spec).split(separator: "\n").joined(separator: " ").split(separator: " ").joined(separator: " ")
                    XCTAssertTrue(help.contains("(\(note))"), "\(command.name) --help lacks (\(note))")
                    let manual = ManPage.page(for: Program.spec).replacingOccurrences(of: "\\-", with: "-").split(separator: "\n").joined(separator: " ")
                    XCTAssertTrue(manual.contains("(\(note))"), "the man page lacks (\(note)) for \(command.name) --\(spec.long)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(declarations, 15)
        // The ones the audit found: accepted silently before.
        XCTAssertEqual(mistake(["serve", "echo", "--format", "rfc3339"]), "serve: --format applies to daytime only, not to echo")
        XCTAssertEqual(mistake(["serve", "daytime", "--once", "--inetd"]), "serve: --inetd and --once exclude each other")
    }

    /// Other tools' flags get the swnet way, not a bare "unknown option", and appear nowhere else.
    func testForeignFlagsAreAnsweredWithTheSwnetWay() {
        var count = 0
        for command in Program.spec.commands {
            let options = command.options + Program.globalOptions
            let help = Help.command(command, in: Program.spec)
            for foreign in command.foreignFlags {
                count += 1
                let real = options.contains { "--" + $0.long == foreign.flag || $0.short.map { "-\($0)" } == foreign.flag }
                XCTAssertFalse(real, "\(command.name) \(foreign.flag) is a real option: the advice would never show")
                let result = run([command.name, foreign.flag])
                XCTAssertEqual(result.status, 2)
                XCTAssertEqual(result.err, "swnet: \(command.name): unknown option \(foreign.flag): \(foreign.advice)\n")
                XCTAssertFalse(help.contains(foreign.advice), "\(command.name) --help shows the advice for \(foreign.flag)")
            }
        }
        XCTAssertGreaterThanOrEqual(count, 10)
        // The ones the audit tried.
        for (command, flag) in [("http-get", "-L"), ("http-get", "-s"), ("http-get", "-f"), ("http-get", "--compressed"),
                                ("connect", "-l"), ("connect", "-e"), ("connect", "-N"), ("connect", "-w")] {
            XCTAssertNotNil(Program.spec.command(named: command)?.foreignFlags.first { $0.flag == flag }, "\(command) \(flag)")
        }
        // connect's -k is curl's --insecure, a real option: nc's keep-open gets its pointer when --tls is missing.
        let keepOpen = run(["connect", "-k", "127.0.0.1:9"])
        XCTAssertEqual(keepOpen.status, 2)
        XCTAssertEqual(keepOpen.err, "swnet: connect: --insecure (-k) needs --tls; nc's -k, keep listening for more clients, is swnet listen -k\n")
    }

    /// The README's exit-status table is the one the code and the man page use.
    func testTheREADMEExitTableIsTheTable() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.components(separatedBy: "\n## Exit codes\n")[1].components(separatedBy: "\n## ")[0].split(separator: "\n").filter { $0.hasPrefix("| ") && $0.first(where: \.isNumber) != nil }
        XCTAssertEqual(rows.count, ExitCode.allCases.count, "\(rows)")
        for code in ExitCode.allCases {
            XCTAssertTrue(rows.contains { $0.hasPrefix("| \(code.rawValue) | \(code.meaning)") }, "README row for \(code.rawValue) is not '\(code.meaning)'")
        }
    }

    /// Choice words take any case everywhere; the command sees the declared word.
    func testChoicesAreCaseInsensitive() throws {
        for command in Program.spec.commands where command.name != "help" {
            for spec in command.options {
                guard case .choice(let words) = spec.kind else { continue }
                var needed: [String] = []
                if case .withOption(let other)? = spec.onlyWith, let otherSpec = command.options.first(where: { $0.long == other }) { needed = option(otherSpec) }
                for word in words {
                    let parsed = try Parser(Program.spec).parse([command.name, "--\(spec.long)", word.uppercased()] + needed + command.arguments.filter { !$0.optional }.map { argument in
                        if case .choice(let names) = argument.kind { return names[0] }
                        return "h:1"
                    })
                    guard case .run(let invocation) = parsed else { return XCTFail("\(command.name) --\(spec.long) \(word.uppercased())") }
                    XCTAssertEqual(invocation.text(spec.long), word)
                }
            }
        }
    }

    /// A port out of range reads the same in every command, in the option
    /// parser's words: from 1 to 65535 where swnet connects, from 0 (a free
    /// port) where it listens or binds.
    func testPortsAreOneRangeEverywhere() {
        let destinations = [["connect", "127.0.0.1:99999"], ["connect", "127.0.0.1:0"], ["connect", "-z", "127.0.0.1:0-5"],
                            ["udp-send", "127.0.0.1:70000", "x"], ["udp-send", "127.0.0.1:0", "x"],
                            ["smtp-send", "-s", "127.0.0.1:0", "-t", "b@example.com", "--body", "x"],
                            ["forward", "127.0.0.1:0", "127.0.0.1:70000"], ["tls-info", "127.0.0.1:70000"]]
        let locals = [["listen", "70000"], ["listen", "127.0.0.1:70000"], ["listen", "-p", "70000"], ["serve", "echo", "-p", "70000"],
                      ["forward", "70000", "127.0.0.1:9"], ["forward", "127.0.0.1:70000", "127.0.0.1:9"],
                      ["connect", "-s", "127.0.0.1:70000", "127.0.0.1:9"]]
        for (cases, range) in [(destinations, "a whole number from 1 to 65535"), (locals, "a whole number from 0 to 65535")] {
            for arguments in cases {
                let result = run(arguments)
                XCTAssertEqual(result.status, 2, "\(arguments): \(result.err)")
                XCTAssertTrue(result.err.hasSuffix(range + "\n") && !result.err.contains("-65535"), "\(arguments): \(result.err)")
            }
        }
    }
}
