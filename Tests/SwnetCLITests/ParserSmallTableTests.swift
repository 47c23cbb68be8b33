import XCTest
import SwnetCLI
import SwnetCore

/// The parser's rules, against a table declared here.
final class ParserSmallTableTests: XCTestCase {
    let program = SmallTable.spec

    func testLongOptionWithSeparateAndInlineValue() throws {
        let a = try invocation(["fetch", "--port", "8080", "u"], program)
        XCTAssertEqual(a.integer("port"), 8080)
        let b = try invocation(["fetch", "--port=8081", "u"], program)
        XCTAssertEqual(b.integer("port"), 8081)
        XCTAssertEqual(b.arguments, ["u"])
        let c = try invocation(["fetch", "--name=a=b", "u"], program)
        XCTAssertEqual(c.text("name"), "a=b", "only the first = separates")
        let d = try invocation(["fetch", "--name", "-dash", "u"], program)
        XCTAssertEqual(d.text("name"), "-dash", "a separate value may start with a dash")
    }

    func testShortOptionValues() throws {
        XCTAssertEqual(try invocation(["fetch", "-p80", "u"], program).integer("port"), 80)
        XCTAssertEqual(try invocation(["fetch", "-p", "81", "u"], program).integer("port"), 81)
        XCTAssertEqual(try invocation(["fetch", "-l64K", "u"], program).size("limit"), 65536)
        XCTAssertEqual(try invocation(["fetch", "-t", "250ms", "u"], program).duration("timeout"), .milliseconds(250))
        // A value-taking letter ends a bundle and takes the rest.
        let bundle = try invocation(["fetch", "-zvp443", "u"], program)
        XCTAssertTrue(bundle.isSet("zip"))
        XCTAssertEqual(bundle.count("verbose"), 1)
        XCTAssertEqual(bundle.integer("port"), 443)
        let split = try invocation(["fetch", "-zp", "444", "u"], program)
        XCTAssertEqual(split.integer("port"), 444)
        XCTAssertEqual(split.arguments, ["u"])
    }

    func testBundledFlagsCount() throws {
        let a = try invocation(["-vv", "fetch", "u"], program)
        XCTAssertEqual(a.count("verbose"), 2)
        XCTAssertFalse(a.isSet("zip"))
        let b = try invocation(["fetch", "-zv", "u"], program)
        XCTAssertTrue(b.isSet("zip"))
        XCTAssertEqual(b.count("verbose"), 1)
        let c = try invocation(["-v", "fetch", "-vzv", "u", "--verbose"], program)
        XCTAssertEqual(c.count("verbose"), 4)
        XCTAssertEqual(c.count("zip"), 1)
        XCTAssertEqual(try invocation(["fetch", "u"], program).count("verbose"), 0)
    }

    func testDoubleDashEndsOptions() throws {
        let a = try invocation(["fetch", "--", "-x", "--zip", "-"], program)
        XCTAssertEqual(a.arguments, ["-x", "--zip", "-"])
        XCTAssertFalse(a.isSet("zip"))
        let b = try invocation(["fetch", "-z", "u", "--", "--", "-v"], program)
        XCTAssertEqual(b.arguments, ["u", "--", "-v"])
        XCTAssertEqual(b.count("verbose"), 0)
        let c = try invocation(["--", "fetch", "-v"], program)
        XCTAssertEqual(c.command.name, "fetch")
        XCTAssertEqual(c.arguments, ["-v"])
    }

    func testDashAloneIsPositional() throws {
        XCTAssertEqual(try invocation(["fetch", "-", "-z"], program).arguments, ["-"])
    }

    func testGlobalOptionsBeforeAndAfterCommand() throws {
        let before = try invocation(["--json", "-v", "--color", "never", "fetch", "u"], program)
        let after = try invocation(["fetch", "u", "--json", "-v", "--color=never"], program)
        for parsed in [before, after] {
            XCTAssertEqual(parsed.command.name, "fetch")
            XCTAssertTrue(parsed.isSet("json"))
            XCTAssertEqual(parsed.count("verbose"), 1)
            XCTAssertEqual(parsed.text("color"), "never")
            XCTAssertEqual(parsed.arguments, ["u"])
        }
    }

    func testRepeatableKeepsAllValues() throws {
        let parsed = try invocation(["fetch", "-H", "A: 1", "--header", "B: 2", "-HC: 3", "--header=D: 4", "u"], program)
        XCTAssertEqual(parsed.texts("header"), ["A: 1", "B: 2", "C: 3", "D: 4"])
        XCTAssertEqual(parsed.count("header"), 4)
        XCTAssertEqual(parsed.text("header"), "D: 4")
        XCTAssertEqual(try invocation(["fetch", "u"], program).texts("header"), [])
    }

    func testLastValueWinsForNonRepeatable() throws {
        let parsed = try invocation(["fetch", "--port", "1", "-p2", "--port=3", "u", "--timeout", "1s", "-t", "5s",
                                     "--mode", "fast", "--mode", "slow"], program)
        XCTAssertEqual(parsed.integer("port"), 3)
        XCTAssertEqual(parsed.duration("timeout"), .seconds(5))
        XCTAssertEqual(parsed.text("mode"), "slow")
        XCTAssertEqual(parsed.count("port"), 1, "only the last value is kept")
    }

    func testOptionalValue() throws {
        let alone = try invocation(["fetch", "--wait", "u"], program)
        XCTAssertTrue(alone.isSet("wait"))
        XCTAssertEqual(alone.duration("wait"), .seconds(2), "the default")
        XCTAssertEqual(alone.arguments, ["u"])

        let inline = try invocation(["fetch", "--wait=5s", "u"], program)
        XCTAssertEqual(inline.duration("wait"), .seconds(5))

        let separate = try invocation(["fetch", "--wait", "5s", "u"], program)
        XCTAssertEqual(separate.duration("wait"), .seconds(2), "a separate word is not the value")
        XCTAssertEqual(separate.arguments, ["5s", "u"])

        let unset = try invocation(["fetch", "u"], program)
        XCTAssertFalse(unset.isSet("wait"))
        XCTAssertEqual(unset.duration("wait"), .seconds(2))

        XCTAssertEqual(try invocation(["fetch", "--wait=1s", "--wait", "u"], program).duration("wait"), .seconds(2))
        XCTAssertEqual(try invocation(["fetch", "--wait", "--wait=1s", "u"], program).duration("wait"), .seconds(1))
    }

    func testDefaults() throws {
        let parsed = try invocation(["fetch", "u"], program)
        XCTAssertEqual(parsed.integer("port"), 80)
        XCTAssertEqual(parsed.size("limit"), 1 << 20)
        XCTAssertEqual(parsed.duration("timeout"), .seconds(10))
        XCTAssertEqual(parsed.text("mode"), "safe")
        XCTAssertEqual(parsed.text("color"), "auto")
        XCTAssertNil(parsed.text("name"))
        XCTAssertNil(parsed.integer("retries"))
        XCTAssertFalse(parsed.isSet("port"))
        XCTAssertFalse(parsed.isSet("zip"))
        XCTAssertEqual(parsed.count("zip"), 0)
    }

    func testValues() throws {
        let parsed = try invocation(["fetch", "--limit", "2G", "--timeout", "1.5m", "--mode", "fast", "--retries", "0",
                                     "-o", "out.txt", "u", "v", "w"], program)
        XCTAssertEqual(parsed.size("limit"), 2 << 30)
        XCTAssertEqual(parsed.duration("timeout"), .seconds(90))
        XCTAssertEqual(parsed.text("mode"), "fast")
        XCTAssertEqual(parsed.integer("retries"), 0)
        XCTAssertEqual(parsed.text("output"), "out.txt")
        XCTAssertEqual(parsed.arguments, ["u", "v", "w"], "variadic takes the rest")
        XCTAssertEqual(try invocation(["fetch", "--port", "65535", "u"], program).integer("port"), 65535)
        XCTAssertEqual(try invocation(["fetch", "--port", "1", "u"], program).integer("port"), 1)
    }

    func testChoiceArgument() throws {
        XCTAssertEqual(try invocation(["serve", "echo"], program).arguments, ["echo"])
        usageError(["serve", "dayitme"], program, contains: ["serve", "SERVICE", "'dayitme'", "one of daytime, echo, discard", "did you mean 'daytime'?"])
    }

    func testPerCommandOptions() throws {
        // Both commands declare --port; each sees its own default.
        XCTAssertEqual(try invocation(["serve", "echo"], program).integer("port"), 13)
        XCTAssertEqual(try invocation(["serve", "--port", "0", "echo"], program).integer("port"), 0)
        usageError(["serve", "-z", "echo"], program, contains: ["unknown option -z", "serve"])
        usageError(["list", "--port", "1"], program, contains: ["unknown option --port", "list"])
    }

    func testOptionalArgument() throws {
        XCTAssertEqual(try invocation(["list"], program).arguments, [])
        XCTAssertEqual(try invocation(["list", "x"], program).arguments, ["x"])
        usageError(["list", "x", "y"], program, contains: ["unexpected argument 'y'"])
    }

    // MARK: errors

    func testUnknownCommand() {
        usageError(["fecth", "u"], program, contains: ["unknown command 'fecth'", "did you mean 'fetch'?"])
        let far = usageError(["zzzzzzzz"], program, contains: ["unknown command 'zzzzzzzz'"])
        XCTAssertFalse(far?.description.contains("did you mean") ?? true, "nothing is near")
    }

    func testUnknownLongOption() {
        usageError(["fetch", "--tiemout", "1s", "u"], program, contains: ["unknown option --tiemout", "did you mean --timeout?"])
        usageError(["fetch", "--verbos", "u"], program, contains: ["unknown option --verbos", "did you mean --verbose?"])
        let far = usageError(["fetch", "--qqqqqqqq", "u"], program, contains: ["unknown option --qqqqqqqq"])
        XCTAssertFalse(far?.description.contains("did you mean") ?? true)
    }

    func testUnknownShortOption() {
        usageError(["fetch", "-x", "u"], program, contains: ["unknown option -x"])
        usageError(["fetch", "-zx", "u"], program, contains: ["unknown option -x"])
        usageError(["-x", "fetch", "u"], program, contains: ["unknown option -x"])
    }

    func testFlagGivenValue() {
        usageError(["fetch", "--zip=1", "u"], program, contains: ["--zip", "takes no value"])
        usageError(["fetch", "--zip=", "u"], program, contains: ["--zip", "takes no value"])
        usageError(["--json=yes", "fetch", "u"], program, contains: ["--json", "takes no value"])
    }

    func testMissingValueAtEnd() {
        usageError(["fetch", "u", "--port"], program, contains: ["--port", "needs a value", "a whole number from 1 to 65535"])
        usageError(["fetch", "u", "-p"], program, contains: ["-p", "needs a value"])
        usageError(["fetch", "u", "-zt"], program, contains: ["-t", "needs a value", "duration"])
        usageError(["fetch", "u", "--name"], program, contains: ["--name", "needs a value"])
        usageError(["fetch", "u", "--color"], program, contains: ["--color", "needs a value", "one of auto, always, never"])
    }

    func testMalformedDuration() {
        usageError(["fetch", "--timeout", "5x", "u"], program, contains: ["'5x'", "--timeout", "expected a duration"])
        usageError(["fetch", "-t-1s", "u"], program, contains: ["'-1s'", "-t", "expected a duration"])
        usageError(["fetch", "--wait=soon", "u"], program, contains: ["'soon'", "--wait", "expected a duration"])
        usageError(["fetch", "--timeout=", "u"], program, contains: ["''", "--timeout", "expected a duration"])
    }

    func testMalformedSize() {
        usageError(["fetch", "--limit", "1T", "u"], program, contains: ["'1T'", "--limit", "expected a size"])
        usageError(["fetch", "-l", "lots", "u"], program, contains: ["'lots'", "-l", "expected a size"])
    }

    func testMalformedInteger() {
        usageError(["fetch", "--port", "eighty", "u"], program, contains: ["'eighty'", "--port", "a whole number from 1 to 65535"])
        usageError(["fetch", "--port", "8.5", "u"], program, contains: ["'8.5'", "--port"])
        usageError(["fetch", "--retries", "many", "u"], program, contains: ["'many'", "--retries", "a whole number of at least 0"])
        usageError(["fetch", "--retries", "99999999999999999999", "u"], program, contains: ["--retries", "a whole number of at least 0"])
    }

    func testIntegerOutOfRange() {
        usageError(["fetch", "--port", "0", "u"], program, contains: ["'0'", "--port", "a whole number from 1 to 65535"])
        usageError(["fetch", "-p65536", "u"], program, contains: ["'65536'", "-p", "a whole number from 1 to 65535"])
        usageError(["fetch", "--port=-1", "u"], program, contains: ["'-1'", "--port"])
        usageError(["fetch", "--retries", "-1", "u"], program, contains: ["'-1'", "--retries", "at least 0"])
    }

    func testMalformedChoice() {
        usageError(["fetch", "--mode", "fsat", "u"], program, contains: ["'fsat'", "--mode", "one of fast, safe, slow", "did you mean 'fast'?"])
        usageError(["--color", "alwys", "fetch", "u"], program, contains: ["'alwys'", "--color", "one of auto, always, never", "did you mean 'always'?"])
        let far = usageError(["fetch", "--mode", "xxxxxxxx", "u"], program, contains: ["'xxxxxxxx'", "--mode"])
        XCTAssertFalse(far?.description.contains("did you mean") ?? true)
    }

    func testEmptyTextValue() {
        // Text may be empty (its command judges it); a file name or host may not.
        guard case .run(let parsed)? = try? Parser(program).parse(["fetch", "--name=", "u"]) else { return XCTFail("--name= did not parse") }
        XCTAssertEqual(parsed.text("name"), "")
        usageError(["fetch", "-o", "", "u"], program, contains: ["''", "-o", "expected a file name"])
    }

    func testMissingRequiredArgument() {
        usageError(["fetch"], program, contains: ["fetch", "missing URL"])
        usageError(["fetch", "-z"], program, contains: ["missing URL"])
        usageError(["serve"], program, contains: ["serve", "missing SERVICE"])
    }

    func testTooManyArguments() {
        usageError(["serve", "echo", "daytime"], program, contains: ["serve", "unexpected argument 'daytime'"])
    }

    func testHelpWithUnknownCommand() {
        usageError(["help", "fecth"], program, contains: ["help", "unknown command 'fecth'", "did you mean 'fetch'?"])
        usageError(["help", "fetch", "serve"], program, contains: ["help", "unexpected argument 'serve'"])
    }

    func testCommandOptionBeforeCommand() {
        usageError(["--zip", "fetch", "u"], program, contains: ["unknown option --zip", "a command's options go after the command"])
        usageError(["--timeout", "1s", "fetch", "u"], program, contains: ["unknown option --timeout", "a command's options go after the command"])
    }

    func testShortCommandOptionBeforeCommand() {
        // -z is fetch's; before the command it is not known yet.
        usageError(["-z", "fetch", "u"], program, contains: ["unknown option -z", "a command's options go after the command"])
    }

    // MARK: help and version

    func testHelpAndVersion() {
        usageError([], program, contains: ["missing COMMAND"])
        XCTAssertEqual(helpTopic(["-h"], program), "")
        XCTAssertEqual(helpTopic(["--help"], program), "")
        XCTAssertEqual(helpTopic(["help"], program), "")
        XCTAssertEqual(helpTopic(["help", "serve"], program), "serve")
        XCTAssertEqual(helpTopic(["serve", "-h"], program), "serve")
        XCTAssertEqual(helpTopic(["-h", "serve"], program), "serve")
        XCTAssertEqual(helpTopic(["fetch", "-zh"], program), "fetch", "-h inside a bundle")
        XCTAssertEqual(helpTopic(["fetch", "--help"], program), "fetch", "a missing argument does not matter with help")
        guard case .version = try? Parser(program).parse(["-V"]) else { return XCTFail("-V is .version") }
        guard case .version = try? Parser(program).parse(["fetch", "u", "--version"]) else { return XCTFail("--version is .version") }
    }

    func testHelpWinsOverErrors() {
        XCTAssertEqual(helpTopic(["fetch", "--bogus", "--help"], program), "fetch")
        XCTAssertEqual(helpTopic(["fetch", "--port", "x", "-h"], program), "fetch")
        XCTAssertEqual(helpTopic(["fetch", "-h", "--port"], program), "fetch")
        XCTAssertEqual(helpTopic(["fecth", "--help"], program), "")
        XCTAssertEqual(helpTopic(["serve", "a", "b", "c", "-h"], program), "serve")
        XCTAssertEqual(helpTopic(["--zip", "fetch", "-h"], program), "fetch")
    }

    func testBundledHelpWinsOverErrors() {
        // `fetch -zh` alone is help (see testHelpAndVersion); an error elsewhere must not change that.
        XCTAssertEqual(helpTopic(["fetch", "-z", "-h", "--bogus"], program), "fetch")
        XCTAssertEqual(helpTopic(["fetch", "-zh", "--bogus"], program), "fetch")
    }

    func testUsageHintNamesThisProgram() {
        // The table says the program is called "tool"; the hint must not say "swnet".
        usageError(["fetch"], program, contains: ["fetch: missing URL", "usage: tool fetch [options] URL [MORE...]"])
    }

    func testHelpAfterDoubleDashIsAnArgument() throws {
        XCTAssertEqual(try invocation(["fetch", "--", "--help"], program).arguments, ["--help"])
        usageError(["serve", "--bogus", "--", "-h"], program, contains: ["unknown option --bogus"])
    }
}
