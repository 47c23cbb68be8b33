import XCTest
import SwnetCLI
import SwnetCore
@testable import SwnetCommands

/// The parser against swnet's real command table.
final class ParserProgramTests: XCTestCase {
    let program = Program.spec

    func testTableHasTheCommands() {
        XCTAssertNotNil(program.command(named: "connect"))
        XCTAssertNotNil(program.command(named: "udp-send"))
        XCTAssertNotNil(program.command(named: "help"))
        XCTAssertEqual(program.version, "0.1.0")
        XCTAssertEqual(program.name, "swnet")
    }

    func testConnectBasics() throws {
        let parsed = try invocation(["connect", "127.0.0.1:7"], program)
        XCTAssertEqual(parsed.command.name, "connect")
        XCTAssertEqual(parsed.arguments, ["127.0.0.1:7"])
        let two = try invocation(["connect", "localhost", "7"], program)
        XCTAssertEqual(two.arguments, ["localhost", "7"])
    }

    func testConnectDefaults() throws {
        let parsed = try invocation(["connect", "h:1"], program)
        XCTAssertEqual(parsed.text("stdin-eof"), "shutdown")
        XCTAssertEqual(parsed.duration("connect-timeout"), .seconds(10))
        XCTAssertEqual(parsed.integer("concurrency"), 100)
        XCTAssertNil(parsed.duration("idle-timeout"))
        XCTAssertNil(parsed.duration("timeout"))
        XCTAssertNil(parsed.duration("wait"))
        XCTAssertNil(parsed.text("send"))
        XCTAssertNil(parsed.text("source"))
        XCTAssertEqual(parsed.text("color"), "auto")
        XCTAssertFalse(parsed.isSet("udp"))
        XCTAssertFalse(parsed.isSet("json"))
        XCTAssertEqual(parsed.count("verbose"), 0)
    }

    func testUDPSendDefaults() throws {
        let parsed = try invocation(["udp-send", "h:7"], program)
        XCTAssertEqual(parsed.duration("reply"), .seconds(2))
        XCTAssertFalse(parsed.isSet("reply"))
        XCTAssertEqual(parsed.integer("count"), 1)
        XCTAssertEqual(parsed.duration("interval"), .seconds(1))
        XCTAssertFalse(parsed.isSet("lines"))
    }

    func testConnectOptions() throws {
        let parsed = try invocation(["connect", "--connect-timeout", "250ms", "--idle-timeout=2s", "--timeout", "1.5m",
                                     "--stdin-eof", "keep", "--send", "hello",
                                     "-s", "127.0.0.1:5000", "-uC", "h:1"], program)
        let scan = try invocation(["connect", "-z", "--concurrency=5", "--wait", "1h", "h:1"], program)
        XCTAssertEqual(parsed.duration("connect-timeout"), .milliseconds(250))
        XCTAssertEqual(parsed.duration("idle-timeout"), .seconds(2))
        XCTAssertEqual(parsed.duration("timeout"), .seconds(90))
        XCTAssertEqual(parsed.text("stdin-eof"), "keep")
        XCTAssertEqual(parsed.text("send"), "hello")
        XCTAssertEqual(scan.integer("concurrency"), 5)
        XCTAssertEqual(scan.duration("wait"), .seconds(3600))
        XCTAssertEqual(parsed.text("source"), "127.0.0.1:5000")
        XCTAssertTrue(parsed.isSet("udp"))
        XCTAssertTrue(parsed.isSet("crlf"))
        XCTAssertEqual(parsed.arguments, ["h:1"])
    }

    func testBundledShortFlags() throws {
        let vv = try invocation(["-vv", "connect", "h:1"], program)
        XCTAssertEqual(vv.count("verbose"), 2)
        let zv = try invocation(["connect", "-zv", "h:20-25"], program)
        XCTAssertTrue(zv.isSet("scan"))
        XCTAssertEqual(zv.count("verbose"), 1)
        let many = try invocation(["connect", "-zvqv4", "h:1"], program)
        XCTAssertTrue(many.isSet("scan"))
        XCTAssertTrue(many.isSet("quiet"))
        XCTAssertTrue(many.isSet("ipv4"))
        XCTAssertEqual(many.count("verbose"), 2)
    }

    func testShortValueStyles() throws {
        XCTAssertEqual(try invocation(["connect", "-s127.0.0.1", "h:1"], program).text("source"), "127.0.0.1")
        XCTAssertEqual(try invocation(["connect", "-s", "[::1]:9", "h:1"], program).text("source"), "[::1]:9")
        XCTAssertEqual(try invocation(["udp-send", "-c3", "h:7"], program).integer("count"), 3)
        XCTAssertEqual(try invocation(["udp-send", "-c", "4", "h:7"], program).integer("count"), 4)
        let bundle = try invocation(["udp-send", "-bc5", "-i250ms", "h:7"], program)
        XCTAssertTrue(bundle.isSet("broadcast"))
        XCTAssertEqual(bundle.integer("count"), 5)
        XCTAssertEqual(bundle.duration("interval"), .milliseconds(250))
    }

    func testDoubleDash() throws {
        let parsed = try invocation(["connect", "--", "-x"], program)
        XCTAssertEqual(parsed.arguments, ["-x"])
        let message = try invocation(["udp-send", "h:7", "--", "-v", "--json"], program)
        XCTAssertEqual(message.arguments, ["h:7", "-v", "--json"])
        XCTAssertFalse(message.isSet("json"))
        XCTAssertEqual(message.count("verbose"), 0)
    }

    func testGlobalOptionsBeforeAndAfter() throws {
        let before = try invocation(["--json", "-q", "-6", "--color", "never", "connect", "h:1"], program)
        let after = try invocation(["connect", "h:1", "--json", "-q", "-6", "--color=never"], program)
        let middle = try invocation(["connect", "--json", "-q", "h:1", "-6", "--color", "never"], program)
        for parsed in [before, after, middle] {
            XCTAssertEqual(parsed.command.name, "connect")
            XCTAssertTrue(parsed.isSet("json"))
            XCTAssertTrue(parsed.isSet("quiet"))
            XCTAssertTrue(parsed.isSet("ipv6"))
            XCTAssertFalse(parsed.isSet("ipv4"))
            XCTAssertEqual(parsed.text("color"), "never")
            XCTAssertEqual(parsed.arguments, ["h:1"])
        }
    }

    func testLastValueWins() throws {
        let parsed = try invocation(["connect", "--connect-timeout", "1s", "--connect-timeout=3s", "--stdin-eof", "keep",
                                     "--stdin-eof=close", "h:1"], program)
        XCTAssertEqual(parsed.duration("connect-timeout"), .seconds(3))
        XCTAssertEqual(parsed.text("stdin-eof"), "close")
        XCTAssertEqual(try invocation(["--color", "always", "connect", "h:1", "--color", "never"], program).text("color"), "never")
    }

    func testReplyOptionalValue() throws {
        let alone = try invocation(["udp-send", "--reply", "127.0.0.1:7", "ping"], program)
        XCTAssertTrue(alone.isSet("reply"))
        XCTAssertEqual(alone.duration("reply"), .seconds(2))
        XCTAssertEqual(alone.arguments, ["127.0.0.1:7", "ping"])

        let inline = try invocation(["udp-send", "--reply=5s", "127.0.0.1:7"], program)
        XCTAssertEqual(inline.duration("reply"), .seconds(5))
        XCTAssertEqual(inline.arguments, ["127.0.0.1:7"])

        let separate = try invocation(["udp-send", "--reply", "5s", "127.0.0.1:7"], program)
        XCTAssertEqual(separate.duration("reply"), .seconds(2))
        XCTAssertEqual(separate.arguments, ["5s", "127.0.0.1:7"], "5s stays a positional argument")

        usageError(["udp-send", "--reply=", "h:7"], program, contains: ["--reply", "expected a duration"])
        usageError(["udp-send", "--reply=5", "--reply=soon", "h:7"], program, contains: ["'soon'", "--reply"])
    }

    func testVariadicMessage() throws {
        XCTAssertEqual(try invocation(["udp-send", "h:7", "a", "b", "c"], program).arguments, ["h:7", "a", "b", "c"])
    }

    // MARK: errors

    func testUnknownCommandSuggests() {
        usageError(["conect", "h:1"], program, contains: ["unknown command 'conect'", "did you mean 'connect'?"])
        usageError(["udpsend"], program, contains: ["unknown command 'udpsend'", "did you mean 'udp-send'?"])
        usageError(["-v", "serv"], program, contains: ["unknown command 'serv'"])
    }

    func testUnknownLongOptionSuggests() {
        usageError(["connect", "--idle-tmeout", "5s", "h:1"], program,
                   contains: ["unknown option --idle-tmeout", "connect", "did you mean --idle-timeout?"])
        usageError(["connect", "h:1", "--jsn"], program, contains: ["unknown option --jsn", "did you mean --json?"])
        usageError(["udp-send", "--replay", "h:7"], program, contains: ["unknown option --replay", "did you mean --reply?"])
        usageError(["--jsno", "connect", "h:1"], program, contains: ["unknown option --jsno", "did you mean --json?"])
    }

    func testUnknownShortOption() {
        usageError(["connect", "-j", "h:1"], program, contains: ["unknown option -j", "connect"])
        usageError(["connect", "-zy", "h:1"], program, contains: ["unknown option -y"])
        usageError(["udp-send", "-u", "h:7"], program, contains: ["unknown option -u", "udp-send"])
    }

    func testFlagGivenValue() {
        usageError(["connect", "--crlf=1", "h:1"], program, contains: ["option --crlf takes no value"])
        usageError(["connect", "h:1", "--json=true"], program, contains: ["option --json takes no value"])
    }

    func testMissingValueAtEnd() {
        usageError(["connect", "h:1", "--connect-timeout"], program, contains: ["--connect-timeout", "needs a value", "a duration"])
        usageError(["connect", "h:1", "--send"], program, contains: ["--send", "needs a value"])
        usageError(["connect", "h:1", "-s"], program, contains: ["-s", "needs a value", "a host name or address"])
        usageError(["udp-send", "h:7", "-c"], program, contains: ["-c", "needs a value", "a whole number of at least 1"])
        usageError(["connect", "h:1", "--stdin-eof"], program, contains: ["--stdin-eof", "needs a value", "one of shutdown, keep, close"])
    }

    func testMalformedValues() {
        usageError(["connect", "--connect-timeout", "10x", "h:1"], program,
                   contains: ["invalid value '10x' for --connect-timeout", "expected a duration above 0 such as 250ms, 2s, 1.5m, 1h or 30d"])
        usageError(["connect", "--wait=-1s", "h:1"], program, contains: ["'-1s'", "--wait", "expected a duration"])
        usageError(["udp-send", "-i", "fast", "h:7"], program, contains: ["'fast'", "-i", "expected a duration"])
        usageError(["connect", "--concurrency", "lots", "h:1"], program,
                   contains: ["invalid value 'lots' for --concurrency", "expected a whole number from 1 to 1000"])
        usageError(["udp-send", "-cx", "h:7"], program, contains: ["'x'", "-c", "a whole number of at least 1"])
        usageError(["connect", "--stdin-eof", "shutdwon", "h:1"], program,
                   contains: ["invalid value 'shutdwon' for --stdin-eof", "expected one of shutdown, keep, close", "did you mean 'shutdown'?"])
        usageError(["--color", "alwys", "connect", "h:1"], program, contains: ["'alwys'", "--color", "did you mean 'always'?"])
        XCTAssertEqual(try invocation(["connect", "--send=", "h:1"], program).text("send"), "", "an empty text is a value")
        usageError(["connect", "--source", "", "h:1"], program, contains: ["''", "--source"])
    }

    func testIntegerOutOfRange() {
        usageError(["connect", "--concurrency", "0", "h:1"], program, contains: ["'0'", "--concurrency", "from 1 to 1000"])
        usageError(["connect", "--concurrency=1001", "h:1"], program, contains: ["'1001'", "--concurrency", "from 1 to 1000"])
        usageError(["udp-send", "-c0", "h:7"], program, contains: ["'0'", "-c", "at least 1"])
        usageError(["udp-send", "--count", "-5", "h:7"], program, contains: ["'-5'", "--count"])
        usageError(["udp-send", "--count", "99999999999999999999", "h:7"], program, contains: ["--count", "at least 1"])
    }

    func testMissingArgument() {
        usageError(["connect"], program, contains: ["connect: missing HOST:PORT", "usage: swnet connect"])
        usageError(["-v", "connect", "-z"], program, contains: ["missing HOST:PORT"])
        usageError(["udp-send"], program, contains: ["udp-send: missing HOST:PORT"])
    }

    func testTooManyArguments() {
        usageError(["connect", "h", "1", "extra"], program, contains: ["connect: unexpected argument 'extra'"])
        usageError(["help", "connect", "udp-send"], program, contains: ["unexpected argument 'udp-send'"])
    }

    func testHelpUnknownCommand() {
        usageError(["help", "conect"], program, contains: ["help: unknown command 'conect'", "did you mean 'connect'?"])
        usageError(["help", "frobnicate"], program, contains: ["unknown command 'frobnicate'"])
    }

    func testCommandOptionBeforeCommand() {
        usageError(["--crlf", "connect", "h:1"], program, contains: ["unknown option --crlf", "a command's options go after the command"])
        usageError(["--reply", "udp-send", "h:7"], program, contains: ["unknown option --reply", "a command's options go after the command"])
        usageError(["--idle-timeout", "5s", "connect", "h:1"], program, contains: ["unknown option --idle-timeout", "a command's options go after the command"])
    }

    func testShortCommandOptionBeforeCommand() {
        usageError(["-z", "connect", "h:1"], program, contains: ["unknown option -z", "a command's options go after the command"])
    }

    // MARK: help and version

    func testHelpOutcomes() {
        usageError([], program, contains: ["missing COMMAND; usage: swnet [global options] COMMAND"])
        XCTAssertEqual(helpTopic(["help"], program), "")
        XCTAssertEqual(helpTopic(["-h"], program), "")
        XCTAssertEqual(helpTopic(["--help"], program), "")
        usageError(["-v", "--json"], program, contains: ["missing COMMAND"])
        XCTAssertEqual(helpTopic(["help", "connect"], program), "connect")
        XCTAssertEqual(helpTopic(["connect", "--help"], program), "connect")
        XCTAssertEqual(helpTopic(["connect", "-h"], program), "connect")
        XCTAssertEqual(helpTopic(["--help", "connect"], program), "connect")
        XCTAssertEqual(helpTopic(["udp-send", "h:7", "-h"], program), "udp-send")
        XCTAssertEqual(helpTopic(["help", "udp-send"], program), "udp-send")
    }

    func testHelpAndCommandHelpAreTheSameOutcome() throws {
        guard case .help(let a?) = try Parser(program).parse(["help", "connect"]),
              case .help(let b?) = try Parser(program).parse(["connect", "--help"])
        else { return XCTFail("both are help for a command") }
        XCTAssertEqual(a.name, "connect")
        XCTAssertEqual(a.name, b.name)
        XCTAssertEqual(Help.command(a, in: program), Help.command(b, in: program))
    }

    func testHelpWinsOverErrors() {
        XCTAssertEqual(helpTopic(["connect", "--bogus", "--help"], program), "connect")
        XCTAssertEqual(helpTopic(["connect", "--help", "--bogus"], program), "connect")
        XCTAssertEqual(helpTopic(["connect", "--concurrency", "0", "-h"], program), "connect")
        XCTAssertEqual(helpTopic(["connect", "--crlf=1", "-h"], program), "connect")
        XCTAssertEqual(helpTopic(["connect", "a", "b", "c", "--help"], program), "connect")
        XCTAssertEqual(helpTopic(["--crlf", "connect", "-h"], program), "connect")
        XCTAssertEqual(helpTopic(["conect", "--help"], program), "")
        XCTAssertEqual(helpTopic(["connect", "-h", "--connect-timeout"], program), "connect")
    }

    func testVersion() {
        for arguments in [["-V"], ["--version"], ["connect", "h:1", "-V"], ["-V", "connect"]] {
            guard case .version = try? Parser(program).parse(arguments) else {
                XCTFail("\(arguments) should be .version")
                continue
            }
        }
    }
}
