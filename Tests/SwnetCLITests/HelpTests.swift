import XCTest
import SwnetCLI
@testable import SwnetCommands

final class HelpTests: XCTestCase {
    let program = Program.spec

    func testCommandHelpListsEveryOptionAndDefault() throws {
        for command in program.commands {
            let text = Help.command(command, in: program)
            // Help text is wrapped; compare with every run of white space as one space.
            let flat = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            XCTAssertTrue(text.hasPrefix("Usage: swnet \(command.name) "), text)
            XCTAssertTrue(flat.contains(command.summary), "\(command.name): summary")
            for option in command.options + program.globalOptions {
                XCTAssertTrue(text.contains("--" + option.long), "\(command.name) help lacks --\(option.long)")
                if let short = option.short {
                    XCTAssertTrue(text.contains("-\(short), --\(option.long)"), "\(command.name) help lacks -\(short)")
                }
                if let value = option.defaultValue {
                    XCTAssertTrue(flat.contains("(default: \(value))"), "\(command.name) help lacks the default of --\(option.long)")
                }
            }
            for argument in command.arguments {
                XCTAssertTrue(text.contains(argument.name), "\(command.name) help lacks \(argument.name)")
            }
        }
    }

    func testConnectHelpSpecifics() throws {
        let connect = try XCTUnwrap(program.command(named: "connect"))
        let text = Help.command(connect, in: program)
        XCTAssertTrue(text.contains("Usage: swnet connect [options] HOST:PORT | HOST PORT"), text)
        XCTAssertTrue(text.contains("--connect-timeout DUR"))
        XCTAssertTrue(text.contains("(default: 10s)"))
        XCTAssertTrue(text.contains("(default: shutdown)"))
        XCTAssertTrue(text.contains("(default: 100)"))
        XCTAssertTrue(text.contains("(default: auto)"))
        XCTAssertTrue(text.contains("Examples:"))
        XCTAssertTrue(text.contains("swnet connect -z 127.0.0.1:20-25,80,443"))
    }

    func testUDPSendHelpShowsOptionalValue() throws {
        let udp = try XCTUnwrap(program.command(named: "udp-send"))
        let text = Help.command(udp, in: program)
        XCTAssertTrue(text.contains("--reply[=DUR]"), text)
        XCTAssertTrue(text.contains("(default: 2s)"))
        XCTAssertTrue(text.contains("-c, --count N"))
    }

    func testHelpLinesFitATerminal() {
        for command in program.commands {
            for line in Help.command(command, in: program).split(separator: "\n")
            where !line.hasPrefix("  swnet ") && !line.hasPrefix("Usage: ") && line != command.summary {
                XCTAssertLessThanOrEqual(line.count, 80, "\(command.name): \(line)")
            }
        }
    }

    func testOverviewListsEveryCommand() {
        let text = Help.overview(program)
        XCTAssertTrue(text.hasPrefix("swnet 0.1.0: "), text)
        XCTAssertTrue(text.contains("Usage: swnet [global options] COMMAND [options] [arguments]"))
        for command in program.commands {
            XCTAssertTrue(text.contains("  \(command.name) "), "overview lacks \(command.name)")
            XCTAssertTrue(text.contains(command.summary), "overview lacks the summary of \(command.name)")
        }
        for option in program.globalOptions {
            XCTAssertTrue(text.contains("--" + option.long), "overview lacks --\(option.long)")
        }
        XCTAssertTrue(text.contains("connect"))
        XCTAssertTrue(text.contains("udp-send"))
        XCTAssertTrue(text.contains("help"))
    }

    func testSmallTableHelp() throws {
        let fetch = try XCTUnwrap(SmallTable.spec.command(named: "fetch"))
        let text = Help.command(fetch, in: SmallTable.spec)
        XCTAssertTrue(text.hasPrefix("Usage: tool fetch [options] URL [MORE...]"), text)
        XCTAssertTrue(text.contains("-p, --port N"))
        XCTAssertTrue(text.contains("(default: 80)"))
        XCTAssertTrue(text.contains("--wait[=DUR]"))
        XCTAssertTrue(text.contains("--mode fast|safe|slow"))
        let overview = Help.overview(SmallTable.spec)
        XCTAssertTrue(overview.hasPrefix("tool 9.8.7: a table for tests"))
        for name in ["fetch", "serve", "list", "help"] {
            XCTAssertTrue(overview.contains("  \(name) "), name)
        }
    }
}
