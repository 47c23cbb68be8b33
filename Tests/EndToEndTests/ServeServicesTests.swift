import Foundation
import XCTest

/// `swnet serve daytime|echo|discard|chargen` over TCP and UDP, asked by
/// real clients (nc, socat, swnet connect and udp-send) on loopback.
final class ServeServicesTests: XCTestCase {
    var servers: [Server] = []
    override func tearDown() { servers.forEach { $0.stop(SIGKILL, timeout: 2) } }

    /// Starts `swnet serve` with `arguments` plus `--port 0 --json`.
    func serve(_ arguments: [String], environment: [String: String] = [:]) throws -> Server {
        let server = try Server(["serve"] + arguments + ["--port", "0", "--json"], environment: environment)
        servers.append(server)
        XCTAssertNotEqual(server.port, 0, "no port in \(server.listening)")
        return server
    }

    // MARK: - The ready report

    func testPortZeroReportsOneJSONListeningEventPerSocket() throws {
        let server = try serve(["echo"])
        let events = server.listening
        XCTAssertEqual(events.count, 4, "\(events)")
        let port = server.port
        XCTAssertGreaterThan(port, 0)
        for event in events {
            XCTAssertEqual(event["event"] as? String, "listening")
            XCTAssertEqual(event["service"] as? String, "echo")
            XCTAssertEqual(event["port"] as? Int, Int(port), "every socket shares the one port: \(events)")
        }
        let sockets = Set(events.map { "\($0["proto"] as? String ?? "?") \($0["address"] as? String ?? "?")" })
        XCTAssertEqual(sockets, ["tcp 0.0.0.0", "udp 0.0.0.0", "tcp ::", "udp ::"])
        // The port really is served, on both transports.
        let echoed = try Tool.run("nc", ["-N", "127.0.0.1", "\(port)"], stdin: Data("ready\n".utf8))
        XCTAssertEqual(echoed.text, "ready\n", echoed.stderr)
        let udp = try UDPClient()
        try udp.send("ready?", to: port)
        XCTAssertEqual(udp.receive(timeout: 2).map { String(decoding: $0, as: UTF8.self) }, "ready?")
        // Nothing but JSON on stdout, and nothing on stderr without -v.
        XCTAssertEqual(server.out.lines.count, Server.jsonEvents(server.out.lines).count, server.out.text)
        XCTAssertEqual(server.err.text, "")
    }

    func testPlainReadyReportGoesToStderrAndStdoutStaysEmpty() throws {
        let server = try Server(["serve", "daytime", "--tcp", "-b", "127.0.0.1", "--port", "0"])
        servers.append(server)
        XCTAssertEqual(server.err.lines, ["swnet: serving daytime on 127.0.0.1:\(server.port)/tcp"])
        XCTAssertEqual(server.out.text, "")
        let exit = server.stop()
        XCTAssertEqual(exit.status, 0, exit.stderr)
        XCTAssertEqual(exit.stdout, "")
    }

    func testFamilyFlagsAndRepeatedBindChooseTheSockets() throws {
        let four = try serve(["echo", "-4"])
        XCTAssertEqual(Set(four.listening.map { "\($0["proto"] as? String ?? "?") \($0["address"] as? String ?? "?")" }),
                       ["tcp 0.0.0.0", "udp 0.0.0.0"])
        XCTAssertThrowsError(try TCPClient("::1", four.port, timeout: 1), "-4 serves IPv6")

        let six = try serve(["echo", "-6"])
        XCTAssertEqual(Set(six.listening.map { "\($0["proto"] as? String ?? "?") \($0["address"] as? String ?? "?")" }),
                       ["tcp ::", "udp ::"])
        XCTAssertThrowsError(try TCPClient("127.0.0.1", six.port, timeout: 1), "-6 serves IPv4")

        let both = try serve(["echo", "--tcp", "-b", "127.0.0.1", "-b", "::1"])
        XCTAssertEqual(Set(both.listening.map { $0["address"] as? String ?? "?" }), ["127.0.0.1", "::1"])
        for host in ["127.0.0.1", "::1"] {
            let client = try TCPClient(host, both.port)
            try client.send("to \(host)")
            XCTAssertEqual(String(decoding: client.receive(count: 3 + host.utf8.count, timeout: 2).data, as: UTF8.self), "to \(host)")
        }
    }

    /// Every socket the server holds is on the port it reported; with
    /// SO_REUSEPORT copies per thread, a copy on another port would be a
    /// listener nobody knows about (and a thread that never gets a client).
    func testEveryListeningSocketIsOnTheReportedPort() throws {
        let server = try serve(["echo", "--threads", "3"])
        let bound = server.boundPorts()
        XCTAssertGreaterThanOrEqual(bound.count, 4, "\(bound)")
        let strays = bound.filter { $0.port != server.port }
        XCTAssertEqual(strays.map { "\($0.proto):\($0.port)" }, [], "sockets on ports other than the reported \(server.port)")
    }

    // MARK: - daytime

    /// The line without its CRLF (in Swift "\r\n" is one Character, so count bytes).
    func withoutCRLF(_ line: String) -> String {
        line.utf8.count >= 2 ? String(decoding: line.utf8.dropLast(2), as: UTF8.self) : line
    }

    static let weekdays = "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    static let months = "(January|February|March|April|May|June|July|August|September|October|November|December)"
    static let rfc867 = weekdays + ", " + months + #" ([1-9]|[12][0-9]|3[01]), \d{4} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"#

    static func formatter(_ format: String, offset: Int = 0) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: offset)
        formatter.dateFormat = format
        return formatter
    }

    /// Parses `text` with `format` and checks it says the same when printed
    /// again (so the weekday fits the date) and is within a minute of now.
    func assertNow(_ text: String, _ format: String, offset: Int = 0, file: StaticString = #filePath, line: UInt = #line) {
        let formatter = Self.formatter(format, offset: offset)
        guard let date = formatter.date(from: text) else { return XCTFail("cannot parse '\(text)' as \(format)", file: file, line: line) }
        XCTAssertEqual(formatter.string(from: date), text, "weekday or padding is off", file: file, line: line)
        XCTAssertLessThan(abs(date.timeIntervalSinceNow), 60, "'\(text)' is not now (\(Date()))", file: file, line: line)
    }

    func testDaytimeDefaultLineIsRFC867FormInUTCEndedByCRLF() throws {
        let server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "-v"])
        let result = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = result.text
        XCTAssertTrue(fullMatch(line, Self.rfc867 + #"-UTC\r\n"#), "'\(line.debugDescription)'")
        assertNow(withoutCRLF(line), "EEEE, MMMM d, yyyy HH:mm:ss'-UTC'")
        // -v --json: a connection event with what was sent.
        let event = server.waitForEvent { $0["event"] as? String == "connection" }
        XCTAssertEqual(event?["proto"] as? String, "tcp")
        XCTAssertEqual(event?["service"] as? String, "daytime")
        XCTAssertEqual(event?["bytes_out"] as? Int, line.utf8.count)
        XCTAssertTrue((event?["peer"] as? String ?? "").hasPrefix("127.0.0.1:"), "\(String(describing: event))")
    }

    func testDaytimeFormats() throws {
        // --format rfc3339, asked with swnet connect.
        var server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--format", "rfc3339"])
        var result = try Harness.swnet(["connect", "127.0.0.1:\(server.port)"], limit: 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(fullMatch(result.text, #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\r\n"#), result.text.debugDescription)
        assertNow(withoutCRLF(result.text), "yyyy-MM-dd'T'HH:mm:ss'Z'")

        // --format ctime, asked with socat.
        server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--format", "ctime"])
        result = try Tool.run("socat", ["-", "TCP4:127.0.0.1:\(server.port)"], limit: 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        let ctime = #"(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( [1-9]|[12][0-9]|3[01]) \d{2}:\d{2}:\d{2} \d{4}\r\n"#
        XCTAssertTrue(fullMatch(result.text, ctime), result.text.debugDescription)
        assertNow(withoutCRLF(result.text).replacingOccurrences(of: "  ", with: " "), "EEE MMM d HH:mm:ss yyyy")

        // --format unix, asked with a raw socket.
        server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--format", "unix"])
        let client = try TCPClient("127.0.0.1", server.port)
        let received = client.receiveToEOF(timeout: 3)
        XCTAssertTrue(received.eof, "the server closes after the line")
        let unix = String(decoding: received.data, as: UTF8.self)
        XCTAssertTrue(fullMatch(unix, #"\d+\r\n"#), unix.debugDescription)
        let seconds = TimeInterval(withoutCRLF(unix)) ?? 0
        XCTAssertLessThan(abs(seconds - Date().timeIntervalSince1970), 60, unix)

        // --format +%Y (strftime), asked with nc.
        server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--format", "+%Y"])
        result = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"])
        let years = Set([-60.0, 0, 60].map { Self.formatter("yyyy").string(from: Date().addingTimeInterval($0)) + "\r\n" })
        XCTAssertTrue(years.contains(result.text), "\(result.text.debugDescription) not in \(years)")

        // An unknown format is a usage error.
        let bad = try Harness.swnet(["serve", "daytime", "--format", "iso", "--port", "0"], limit: 5)
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--format"), bad.stderr)
    }

    func testDaytimeLocalUsesTheServersTimeZone() throws {
        // A POSIX TZ string needs no tzdata: "IST", 5:30 east of UTC.
        let zone = ["TZ": "IST-5:30"]
        var server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--local"], environment: zone)
        var result = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"])
        XCTAssertTrue(fullMatch(result.text, Self.rfc867 + #"-IST\r\n"#), result.text.debugDescription)
        assertNow(withoutCRLF(result.text), "EEEE, MMMM d, yyyy HH:mm:ss'-IST'", offset: 19800)

        server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--local", "--format", "rfc3339"], environment: zone)
        result = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"])
        XCTAssertTrue(fullMatch(result.text, #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30\r\n"#), result.text.debugDescription)
        assertNow(withoutCRLF(result.text), "yyyy-MM-dd'T'HH:mm:ss'+05:30'", offset: 19800)

        // Without --local the same zone changes nothing: UTC.
        server = try serve(["daytime", "--tcp", "-b", "127.0.0.1", "--format", "rfc3339"], environment: zone)
        result = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"])
        XCTAssertTrue(result.text.hasSuffix("Z\r\n"), result.text.debugDescription)
    }

    func testDaytimeOverUDPAnswersAnyDatagram() throws {
        let server = try serve(["daytime", "--udp", "-b", "127.0.0.1"])
        let result = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(server.port)", "what time is it?"], limit: 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(fullMatch(result.text, Self.rfc867 + #"-UTC\r\n"#), result.text.debugDescription)
        // An empty-ish datagram from nc gets the date too.
        let nc = try Tool.run("nc", ["-u", "-w1", "127.0.0.1", "\(server.port)"], stdin: Data("\n".utf8), limit: 5)
        XCTAssertTrue(fullMatch(nc.text, Self.rfc867 + #"-UTC\r\n"#), nc.text.debugDescription)
        // Nothing listens on TCP with --udp.
        XCTAssertThrowsError(try TCPClient("127.0.0.1", server.port, timeout: 1))
    }

    // MARK: - echo

    func testEchoOverTCPWithNcAndSocat() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1"])
        let nc = try Tool.run("nc", ["-N", "127.0.0.1", "\(server.port)"], stdin: Data("hello from nc\nsecond line\n".utf8))
        XCTAssertEqual(nc.status, 0, nc.stderr)
        XCTAssertEqual(nc.text, "hello from nc\nsecond line\n")
        let socat = try Tool.run("socat", ["-", "TCP4:127.0.0.1:\(server.port)"], stdin: Data("hello from socat".utf8))
        XCTAssertEqual(socat.status, 0, socat.stderr)
        XCTAssertEqual(socat.text, "hello from socat")
    }

    func testEchoOverUDPWithNcSocatAndUdpSend() throws {
        let server = try serve(["echo", "--udp", "-b", "127.0.0.1", "-v"])
        let sent = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(server.port)", "hello", "udp"], limit: 5)
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertEqual(sent.text, "hello udp\n")
        let socat = try Tool.run("socat", ["-t0.5", "-", "UDP4:127.0.0.1:\(server.port)"], stdin: Data("via socat\n".utf8))
        XCTAssertEqual(socat.text, "via socat\n", socat.stderr)
        let nc = try Tool.run("nc", ["-u", "-w1", "127.0.0.1", "\(server.port)"], stdin: Data("via nc\n".utf8))
        XCTAssertEqual(nc.text, "via nc\n", nc.stderr)
        // A binary datagram of 60000 bytes comes back whole.
        let payload = randomBytes(60000)
        let udp = try UDPClient()
        try udp.send(payload, to: server.port)
        XCTAssertTrue(udp.receive(timeout: 2) == payload, "a large datagram came back different")
        let event = server.waitForEvent { $0["event"] as? String == "datagram" && $0["bytes_in"] as? Int == 60000 }
        XCTAssertEqual(event?["bytes_out"] as? Int, 60000)
        XCTAssertEqual(event?["proto"] as? String, "udp")
    }

    /// RFC 862: "the data from it is sent back in an answering datagram" —
    /// an empty datagram is answered by an empty one.
    func testEmptyDatagramIsEchoedAsAnEmptyDatagram() throws {
        let server = try serve(["echo", "--udp", "-b", "127.0.0.1"])
        let udp = try UDPClient()
        try udp.send(Data(), to: server.port)
        XCTAssertEqual(udp.receive(timeout: 0.5), Data(), "no reply to an empty datagram")
    }

    func testTenMebibytesOfRandomBytesEchoedByteForByte() throws {
        let server = try serve(["echo", "--tcp", "-b", "127.0.0.1"])
        let bytes = randomBytes(10 << 20)
        let result = try Harness.swnet(["connect", "127.0.0.1:\(server.port)"], stdin: bytes, limit: 30)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.count, bytes.count)
        XCTAssertTrue(result.stdout == bytes, "echoed bytes differ from those sent")
    }

    // MARK: - discard

    func testDiscardOverTCPDropsTheBytesAndClosesAfterTheClientsEOF() throws {
        let server = try serve(["discard", "--tcp", "-b", "127.0.0.1", "-v"])
        let payload = randomBytes(1 << 20)
        let started = Date()
        let result = try Harness.swnet(["connect", "127.0.0.1:\(server.port)"], stdin: payload, limit: 10)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.count, 0, "discard sends nothing back")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let event = server.waitForEvent { $0["event"] as? String == "connection" }
        XCTAssertEqual(event?["service"] as? String, "discard")
        XCTAssertEqual(event?["bytes_in"] as? Int, payload.count)
        XCTAssertEqual(event?["bytes_out"] as? Int, 0)

        // A raw client: after its half-close the server closes at once, having sent nothing.
        let client = try TCPClient("127.0.0.1", server.port)
        try client.send("thrown away\n")
        client.shutdownWrite()
        let received = client.receiveToEOF(timeout: 2)
        XCTAssertTrue(received.eof, "no close after the client's EOF")
        XCTAssertEqual(received.data.count, 0)
        let second = server.waitForEvent { $0["event"] as? String == "connection" && $0["bytes_in"] as? Int == 12 }
        XCTAssertNotNil(second, server.out.text)
    }

    func testDiscardOverUDPNeverAnswers() throws {
        let server = try serve(["discard", "--udp", "-b", "127.0.0.1", "-v"])
        let udp = try UDPClient()
        try udp.send("into the void", to: server.port)
        XCTAssertNil(udp.receive(timeout: 0.3), "discard answered a datagram")
        let event = server.waitForEvent { $0["event"] as? String == "datagram" }
        XCTAssertEqual(event?["bytes_in"] as? Int, 13)
        XCTAssertEqual(event?["bytes_out"] as? Int, 0)
    }

    // MARK: - chargen

    func testChargenOverTCPSendsTheRotatingPattern() throws {
        let server = try serve(["chargen", "--tcp", "-b", "127.0.0.1", "-v"])
        let client = try TCPClient("127.0.0.1", server.port)
        // 200 lines: more than two turns of the 95-line cycle.
        let expected = ChargenPattern.stream(lines: 200)
        let received = client.receive(count: expected.count, timeout: 5)
        XCTAssertEqual(received.data.count, expected.count, "chargen stopped early (eof: \(received.eof))")
        let lines = received.data.split(separator: 10, omittingEmptySubsequences: false)
        XCTAssertEqual(lines.first.map { String(decoding: $0, as: UTF8.self) },
                       ##" !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefg"## + "\r")
        for (index, line) in lines.prefix(200).enumerated() where Data(line) + Data([10]) != ChargenPattern.line(index) {
            XCTFail("line \(index) is \(String(decoding: line, as: UTF8.self).debugDescription)")
            break
        }
        XCTAssertTrue(received.data == expected)
        // It keeps going while the client reads.
        XCTAssertEqual(client.receive(count: 100_000, timeout: 5).data.count, 100_000)
        client.close()
        let event = server.waitForEvent { $0["event"] as? String == "connection" }
        XCTAssertGreaterThanOrEqual(event?["bytes_out"] as? Int ?? 0, expected.count + 100_000, server.out.text)
    }

    func testChargenStopsWhenTheClientCloses() throws {
        let server = try serve(["chargen", "--tcp", "-b", "127.0.0.1", "-v"])
        // Each client reads ten lines and closes; the server must notice and end the session.
        for _ in 0..<3 {
            let client = try TCPClient("127.0.0.1", server.port)
            XCTAssertEqual(client.receive(count: 740, timeout: 2).data.count, 740)
            client.close()
        }
        let ended = server.waitForEvents(3) { $0["event"] as? String == "connection" }
        XCTAssertTrue(ended, "three closed chargen clients, events: \(server.out.text)")
    }

    func testChargenOverUDPAnswersOneLinePerDatagram() throws {
        let server = try serve(["chargen", "--udp", "-b", "127.0.0.1"])
        let result = try Harness.swnet(["udp-send", "--reply", "127.0.0.1:\(server.port)", "x"], limit: 5)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.count, 74)
        let valid = (0..<95).map(ChargenPattern.line)
        XCTAssertTrue(valid.contains(result.stdout), result.text.debugDescription)

        let udp = try UDPClient()
        var replies: [Data] = []
        for _ in 0..<3 {
            try udp.send("next", to: server.port)
            if let reply = udp.receive(timeout: 2) { replies.append(reply) }
        }
        XCTAssertEqual(replies.count, 3)
        let indexes = replies.map { reply in valid.firstIndex(of: reply) }
        XCTAssertFalse(indexes.contains(nil), "not chargen lines: \(replies.map { String(decoding: $0, as: UTF8.self) })")
        // The lines rotate from one datagram to the next.
        let numbers = indexes.compactMap { $0 }
        if numbers.count == 3 {
            XCTAssertEqual(numbers[1], (numbers[0] + 1) % 95)
            XCTAssertEqual(numbers[2], (numbers[1] + 1) % 95)
        }
    }

    // MARK: - IPv6

    func testIPv6LoopbackIsServedByTheDefaultServer() throws {
        let server = try serve(["echo"])
        let tcp = try Harness.swnet(["connect", "-6", "[::1]:\(server.port)"], stdin: Data("six\n".utf8), limit: 5)
        XCTAssertEqual(tcp.status, 0, tcp.stderr)
        XCTAssertEqual(tcp.text, "six\n")
        let nc = try Tool.run("nc", ["-6", "-N", "::1", "\(server.port)"], stdin: Data("six by nc\n".utf8))
        XCTAssertEqual(nc.text, "six by nc\n", nc.stderr)
        let udp = try Harness.swnet(["udp-send", "--reply", "[::1]:\(server.port)", "six/udp"], limit: 5)
        XCTAssertEqual(udp.status, 0, udp.stderr)
        XCTAssertEqual(udp.text, "six/udp\n")
        let raw = try UDPClient("::1")
        try raw.send("raw six", to: server.port)
        XCTAssertEqual(raw.receive(timeout: 2).map { String(decoding: $0, as: UTF8.self) }, "raw six")
    }

    func testBindToIPv6LoopbackOnly() throws {
        let server = try serve(["daytime", "-b", "::1", "--tcp", "-v"])
        XCTAssertEqual(server.listening.first?["address"] as? String, "::1")
        let client = try TCPClient("::1", server.port)
        let line = String(decoding: client.receiveToEOF(timeout: 3).data, as: UTF8.self)
        XCTAssertTrue(fullMatch(line, Self.rfc867 + #"-UTC\r\n"#), line.debugDescription)
        let event = server.waitForEvent { $0["event"] as? String == "connection" }
        XCTAssertTrue((event?["peer"] as? String ?? "").hasPrefix("[::1]:"), "\(String(describing: event))")
        // Not on IPv4.
        XCTAssertThrowsError(try TCPClient("127.0.0.1", server.port, timeout: 1))
    }
}
