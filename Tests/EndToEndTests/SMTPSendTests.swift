import Foundation
import XCTest

/// `swnet smtp-send` against a real SMTP server (aiosmtpd) on loopback:
/// what the server received, per-recipient results, AUTH, STARTTLS and
/// implicit TLS, and the exit codes.
final class SMTPSendTests: XCTestCase {
    var servers: [SMTPTestServer] = []
    var directory: URL!

    override func setUpWithError() throws {
        directory = try SMTPTestServer.temporaryDirectory()
    }

    override func tearDown() {
        servers.forEach { $0.stop() }
        try? FileManager.default.removeItem(at: directory)
    }

    func server(_ options: SMTPTestServer.Options = .init()) throws -> SMTPTestServer {
        let server = try SMTPTestServer(options)
        servers.append(server)
        return server
    }

    func file(_ name: String, _ contents: Data) throws -> String {
        let url = directory.appendingPathComponent(name)
        try contents.write(to: url)
        return url.path
    }

    func header(_ message: [String: Any], _ name: String) -> [String] {
        (message["headers"] as? [[String]] ?? []).filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
    }

    func parts(_ message: [String: Any]) -> [[String: Any]] {
        message["parts"] as? [[String: Any]] ?? []
    }

    func sha256(_ data: Data) throws -> String {
        let path = try file("hash-\(UUID().uuidString)", data)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
    }

    // MARK: What arrives

    func testHeadersBodyAndAttachmentsArriveAndBccIsOnlyInTheEnvelope() throws {
        let smtp = try server()
        let binary = Data((0..<70_000).map { _ in UInt8.random(in: 0...255) })
        let picture = try file("picture.png", binary)
        let notes = try file("notes.txt", Data("line one\nline two\n".utf8))
        let body = try file("body.txt", Data("Hello Bob,\n\nthe files are attached.\n".utf8))
        let result = try Harness.swnet(["smtp-send", "--server", "127.0.0.1:\(smtp.port)", "--from", "Anna Example <anna@example.com>",
                                        "--to", "bob@example.com", "--cc", "Carol <carol@example.com>", "--bcc", "hidden@example.org",
                                        "--subject", "Files for you", "--body-file", body, "--attach", picture, "--attach", notes,
                                        "-H", "X-Campaign: e2e"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "", "nothing on stdout without --json")
        XCTAssertEqual(result.stderr, "")

        let message = try XCTUnwrap(try smtp.messages().first)
        XCTAssertEqual(message["mail_from"] as? String, "anna@example.com")
        XCTAssertEqual(message["rcpt_tos"] as? [String], ["bob@example.com", "carol@example.com", "hidden@example.org"])
        XCTAssertEqual(header(message, "From"), ["Anna Example <anna@example.com>"])
        XCTAssertEqual(header(message, "To"), ["bob@example.com"])
        XCTAssertEqual(header(message, "Cc"), ["Carol <carol@example.com>"])
        XCTAssertEqual(header(message, "Subject"), ["Files for you"])
        XCTAssertEqual(header(message, "X-Campaign"), ["e2e"])
        XCTAssertEqual(header(message, "MIME-Version"), ["1.0"])
        XCTAssertEqual(header(message, "Bcc"), [], "Bcc is never a header")
        XCTAssertFalse(String(decoding: try smtp.raw(), as: UTF8.self).contains("hidden@example.org"))
        XCTAssertEqual(header(message, "Date").count, 1)
        XCTAssertNotNil(header(message, "Message-ID").first?.range(of: #"^<[^<>@\s]+@example\.com>$"#, options: .regularExpression))
        XCTAssertEqual(message["defects"] as? [String], [], "Python's email module finds nothing wrong")

        let parts = parts(message)
        XCTAssertEqual(parts.count, 3)
        XCTAssertEqual(parts[0]["content_type"] as? String, "text/plain")
        XCTAssertEqual(parts[0]["text"] as? String, "Hello Bob,\r\n\r\nthe files are attached.\r\n")
        XCTAssertEqual(parts[1]["content_type"] as? String, "image/png")
        XCTAssertEqual(parts[1]["filename"] as? String, "picture.png")
        XCTAssertEqual(parts[1]["disposition"] as? String, "attachment")
        XCTAssertEqual(parts[1]["size"] as? Int, binary.count)
        XCTAssertEqual(parts[1]["sha256"] as? String, try sha256(binary), "the attachment decodes to the same bytes")
        XCTAssertEqual(parts[2]["filename"] as? String, "notes.txt")
        XCTAssertEqual(parts[2]["text"] as? String, "line one\nline two\n")

        let raw = [UInt8](try smtp.raw())
        for (index, byte) in raw.enumerated() where byte == 0x0A {
            XCTAssertEqual(raw[index - 1], 0x0D, "bare LF at \(index)")
        }
        for line in String(decoding: raw, as: UTF8.self).components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 78)
        }
    }

    func testNonASCIISubjectAndNamesAreDecodedByTheServer() throws {
        let smtp = try server()
        let subject = "Grüße aus Köln — 東京 🎉, and a subject long enough that it must be folded over lines"
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "Jürgen Groß <jg@example.com>",
                                        "-t", "Zoë <zoe@example.com>", "--subject", subject, "--body", "Schöne Grüße!\n"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let message = try XCTUnwrap(try smtp.messages().first)
        XCTAssertEqual(message["subject"] as? String, subject)
        XCTAssertEqual(header(message, "From"), ["Jürgen Groß <jg@example.com>"])
        XCTAssertEqual(header(message, "To"), ["Zoë <zoe@example.com>"])
        XCTAssertEqual(parts(message).first?["text"] as? String, "Schöne Grüße!\r\n")
        XCTAssertEqual(parts(message).first?["charset"] as? String, "utf-8")
        XCTAssertTrue(String(decoding: try smtp.raw(), as: UTF8.self).utf8.allSatisfy { $0 < 128 }, "8-bit text never travels unencoded")
    }

    func testLinesBeginningWithADotArriveIntact() throws {
        // libcurl dot-stuffs on upload and the server removes the stuffing:
        // what arrives must be the original, in a built and in a ready message.
        let smtp = try server()
        let text = ".\n.dot first\n..two dots\nmiddle . line\n.\n"
        let built = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com",
                                       "--subject", "dots"], stdin: Data(text.utf8))
        XCTAssertEqual(built.status, 0, built.stderr)
        XCTAssertEqual(parts(try smtp.messages()[0]).first?["text"] as? String, text.replacingOccurrences(of: "\n", with: "\r\n"))

        let ready = "From: a@example.com\nTo: b@example.com\nSubject: ready\nMessage-ID: <ready-1@example.com>\n\n.\n..\n.end\n"
        let path = try file("ready.eml", Data(ready.utf8))
        let sent = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "--message-file", path, "-t", "b@example.com"])
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertEqual(try smtp.raw(1), Data(ready.replacingOccurrences(of: "\n", with: "\r\n").utf8), "a ready message arrives byte for byte")
        XCTAssertEqual(try smtp.messages()[1]["mail_from"] as? String, "a@example.com", "the envelope sender comes from From")
    }

    func testOverlongLinesArriveWhole() throws {
        let smtp = try server()
        let long = String(repeating: "0123456789", count: 400)
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com",
                                        "--body", "short\n\(long)\nend\n"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let part = try XCTUnwrap(parts(try smtp.messages()[0]).first)
        XCTAssertEqual(part["transfer_encoding"] as? String, "quoted-printable")
        XCTAssertEqual(part["text"] as? String, "short\r\n\(long)\r\nend\r\n")
        for line in String(decoding: try smtp.raw(), as: UTF8.self).components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 998)
        }
    }

    // MARK: Per-recipient results

    func testSomeRecipientsRefusedExitsNineAndSaysWhich() throws {
        let smtp = try server(.init(refuse: ["bob@example.com"]))
        let result = try Harness.swnet(["--json", "smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com",
                                        "-t", "alice@example.com", "-t", "bob@example.com", "--bcc", "carol@example.com", "--body", "hi"])
        XCTAssertEqual(result.status, 9, result.stderr)
        XCTAssertTrue(result.stderr.contains("swnet: smtp-send: rejected <bob@example.com>: 550 5.1.1 <bob@example.com>: Recipient address rejected"),
                      result.stderr)
        XCTAssertFalse(result.stderr.contains("alice"), result.stderr)

        let json = try result.json()
        XCTAssertEqual(Set(json.keys), ["server", "tls", "message_id", "accepted", "rejected", "reply"])
        XCTAssertEqual(json["server"] as? String, "smtp://127.0.0.1:\(smtp.port)")
        XCTAssertEqual(json["accepted"] as? [String], ["alice@example.com", "carol@example.com"])
        let rejected = try XCTUnwrap(json["rejected"] as? [[String: String]])
        XCTAssertEqual(rejected.count, 1)
        XCTAssertEqual(rejected[0]["address"], "bob@example.com")
        XCTAssertTrue(rejected[0]["reply"]?.hasPrefix("550 5.1.1") ?? false, "\(rejected)")
        XCTAssertEqual(json["reply"] as? String, "250 OK queued as 1")

        let message = try XCTUnwrap(try smtp.messages().first)
        XCTAssertEqual(message["rcpt_tos"] as? [String], ["alice@example.com", "carol@example.com"])
        XCTAssertEqual(json["message_id"] as? String, header(message, "Message-ID").first)
    }

    func testVerboseNamesAcceptedRecipients() throws {
        let smtp = try server()
        let result = try Harness.swnet(["smtp-send", "-v", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("swnet: smtp-send: accepted <b@example.com>: 250 OK\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("accepted: 250 OK queued as 1"), result.stderr)
    }

    func testEveryRecipientRefusedExitsEight() throws {
        let smtp = try server(.init(refuse: ["bob@example.com", "eve@example.com"]))
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com",
                                        "-t", "bob@example.com,eve@example.com", "--body", "hi"])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertTrue(result.stderr.contains("rejected <bob@example.com>: 550"), result.stderr)
        XCTAssertTrue(result.stderr.contains("rejected <eve@example.com>: 550"), result.stderr)
        XCTAssertTrue(result.stderr.contains("swnet: smtp-send: smtp://127.0.0.1:\(smtp.port): every recipient was refused"), result.stderr)
        XCTAssertEqual(try smtp.messages().count, 0)

        let json = try Harness.swnet(["--json", "smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "bob@example.com", "--body", "hi"])
        XCTAssertEqual(json.status, 8)
        let error = try XCTUnwrap(try json.json()["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 8)
        XCTAssertTrue((error["message"] as? String)?.contains("<bob@example.com>: 550 5.1.1") ?? false, "\(error)")
    }

    func testMessageRefusedAfterDataExitsEightWithTheReply() throws {
        let smtp = try server(.init(refuseData: true))
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "spam?"])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertTrue(result.stderr.contains("the server refused the message: 554 5.7.1 Message refused: looks like spam"), result.stderr)
    }

    // MARK: AUTH

    func testAuthAcceptedWithEachPasswordSource() throws {
        let smtp = try server(.init(auth: "anna:s3cret p@ss"))
        let passwordFile = try file("password", Data("s3cret p@ss\n".utf8))
        let viaFile = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-u", "anna", "--password-file", passwordFile,
                                         "-f", "anna@example.com", "-t", "b@example.com", "--body", "one"])
        XCTAssertEqual(viaFile.status, 0, viaFile.stderr)

        setenv("SWNET_PASSWORD", "s3cret p@ss", 1)
        defer { unsetenv("SWNET_PASSWORD") }
        let viaEnvironment = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-u", "anna", "--auth", "login",
                                                "-f", "anna@example.com", "-t", "b@example.com", "--body", "two"])
        XCTAssertEqual(viaEnvironment.status, 0, viaEnvironment.stderr)
        XCTAssertEqual(try smtp.messages().map { $0["auth_user"] as? String }, ["anna", "anna"])
    }

    func testAuthRefusedExitsSeven() throws {
        let smtp = try server(.init(auth: "anna:secret"))
        let wrong = try file("wrong", Data("guess\n".utf8))
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-u", "anna", "--password-file", wrong,
                                        "-f", "anna@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 7, result.stderr)
        XCTAssertTrue(result.stderr.contains("refused: 535"), result.stderr)
        XCTAssertFalse(result.stderr.contains("guess"))
        XCTAssertEqual(try smtp.messages().count, 0)
    }

    func testUserGivenButNoAuthOfferedSendsNothingAndExitsSeven() throws {
        let smtp = try server()
        let password = try file("password", Data("x\n".utf8))
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "-u", "anna", "--password-file", password,
                                        "-f", "anna@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 7, result.stderr)
        XCTAssertTrue(result.stderr.contains("offers no AUTH"), result.stderr)
        XCTAssertEqual(try smtp.messages().count, 0, "never sent without the login the user asked for")
    }

    func testTranscriptShowsTheDialogueWithAuthRedacted() throws {
        let smtp = try server(.init(auth: "anna:secret"))
        let password = try file("password", Data("secret\n".utf8))
        for mechanism in ["login", "plain"] {
            let result = try Harness.swnet(["smtp-send", "-vv", "-s", "127.0.0.1:\(smtp.port)", "-u", "anna", "--password-file", password,
                                            "--auth", mechanism, "-f", "anna@example.com", "-t", "b@example.com", "--body", "x"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains("< 220 swnet-test"), result.stderr)
            XCTAssertTrue(result.stderr.contains("> AUTH \(mechanism.uppercased())"), result.stderr)
            XCTAssertTrue(result.stderr.contains("[redacted]"), result.stderr)
            XCTAssertTrue(result.stderr.contains("> RCPT TO:<b@example.com>\n< 250 OK\n"), result.stderr)
            XCTAssertTrue(result.stderr.contains("< 235"), result.stderr)
            for secret in ["secret", "c2VjcmV0", "YW5uYQ==", Data("\0anna\0secret".utf8).base64EncodedString()] {
                XCTAssertFalse(result.stderr.contains(secret), "\(secret) in \(result.stderr)")
            }
            XCTAssertFalse(result.stderr.contains("Subject"), "the message itself is no part of the transcript")
        }
    }

    // MARK: TLS

    func testSTARTTLSWithTheTestCertificate() throws {
        let smtp = try server(.init(auth: "anna:secret", authRequiresTLS: true, tls: .startTLS))
        let ca = try SMTPTestServer.certificate().cert.path
        let password = try file("password", Data("secret\n".utf8))
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "--starttls", "require", "--cacert", ca,
                                        "-u", "anna", "--password-file", password, "-f", "anna@example.com", "-t", "b@example.com", "--body", "over TLS"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let message = try XCTUnwrap(try smtp.messages().first)
        XCTAssertEqual(message["tls"] as? Bool, true)
        XCTAssertEqual(message["auth_user"] as? String, "anna")

        // The default, try, upgrades too.
        let tried = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "--cacert", ca, "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(tried.status, 0, tried.stderr)
        XCTAssertEqual(try smtp.messages()[1]["tls"] as? Bool, true)
    }

    func testSTARTTLSWithAnUntrustedCertificateExitsSix() throws {
        let smtp = try server(.init(tls: .startTLS))
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "--starttls", "require", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.lowercased().contains("certificate"), result.stderr)
        XCTAssertEqual(try smtp.messages().count, 0)

        let insecure = try Harness.swnet(["smtp-send", "-k", "--starttls", "require", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(insecure.status, 0, insecure.stderr)
    }

    func testRequireAgainstAServerWithoutSTARTTLSExitsSix() throws {
        let smtp = try server()
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "--starttls", "require",
                                        "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("does not offer STARTTLS"), result.stderr)
        XCTAssertEqual(try smtp.messages().count, 0)

        let off = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(smtp.port)", "--starttls", "off", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertEqual(try smtp.messages()[0]["tls"] as? Bool, false)
    }

    func testImplicitTLS() throws {
        let smtp = try server(.init(tls: .implicit))
        let ca = try SMTPTestServer.certificate().cert.path
        let result = try Harness.swnet(["--json", "smtp-send", "-s", smtp.url(tls: true), "--cacert", ca,
                                        "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try result.json()["server"] as? String, smtp.url(tls: true))
        XCTAssertEqual(try smtp.messages()[0]["tls"] as? Bool, true)

        let untrusted = try Harness.swnet(["smtp-send", "-s", smtp.url(tls: true), "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(untrusted.status, 6, untrusted.stderr)
    }

    // MARK: No sending

    func testDryRunPrintsTheMessageAndSendsNothing() throws {
        let smtp = try server()
        let result = try Harness.swnet(["smtp-send", "--dry-run", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com", "-t", "b@example.com",
                                        "--bcc", "hidden@example.com", "--subject", "Grüße", "--body", "text"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.contains("\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"), result.text)
        XCTAssertTrue(result.text.hasSuffix("\r\n\r\ntext\r\n"), result.text)
        XCTAssertFalse(result.text.contains("hidden"))

        let json = try Harness.swnet(["--json", "smtp-send", "--dry-run", "-s", "127.0.0.1:\(smtp.port)", "-f", "a@example.com",
                                      "-t", "b@example.com", "--bcc", "hidden@example.com", "--body", "text"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let document = try json.json()
        XCTAssertEqual(document["recipients"] as? [String], ["b@example.com", "hidden@example.com"])
        XCTAssertTrue((document["message"] as? String)?.contains("Message-ID: \(document["message_id"] as? String ?? "?")") ?? false)
        XCTAssertEqual(try smtp.messages().count, 0)
    }

    func testRefusedConnectionExitsFour() throws {
        let port = Harness.freePort()
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: smtp-send: smtp://127.0.0.1:\(port): "), result.stderr)
    }

    func testSilentServerTimesOutWithExitFive() throws {
        // A listener that never accepts: the kernel completes the handshake, and no greeting ever comes.
        let (listener, port) = Harness.boundLoopbackSocket(type: SOCK_STREAM)
        listen(listener, 8)
        defer { close(listener) }
        let start = Date()
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(port)", "--max-time", "800ms", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testServerRefusingTheSessionExitsEightWithItsGreeting() throws {
        // RFC 5321 3.1: a server that greets with 554 waits for QUIT and answers it.
        let port = Harness.freePort()
        let script = try file("refuse.sh", Data("printf '554 5.3.2 not today\\r\\n'; read quit; printf '221 bye\\r\\n'\n".utf8))
        let peer = try Peer.tcp(port: port, exec: "sh \(script)")
        defer { peer.stop() }
        let result = try Harness.swnet(["smtp-send", "-s", "127.0.0.1:\(port)", "-f", "a@example.com", "-t", "b@example.com", "--body", "x"])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertTrue(result.stderr.contains("the server refused the session: 554 5.3.2 not today"), result.stderr)
    }

    func testBadInputIsAUsageOrLocalError() throws {
        let cases: [([String], Int32, String)] = [
            (["smtp-send", "-f", "a@x", "--body", "x"], 2, "no recipient"),
            (["smtp-send", "-t", "b@x", "--message-file", "/dev/null", "--subject", "s"], 2, "--message-file and --subject exclude each other"),
            (["smtp-send", "-t", "b@x", "--body", "x", "--body-file", "/dev/null"], 2, "exclude each other"),
            (["smtp-send", "-t", "b c@x", "--body", "x"], 2, "invalid address"),
            (["smtp-send", "-t", "b@x", "--starttls", "maybe", "--body", "x"], 2, "expected one of require, try, off"),
            (["smtp-send", "-t", "b@x", "-H", "Bcc: c@x", "--body", "x"], 2, "use --bcc"),
            (["smtp-send", "-t", "b@x", "--subject", "two\nlines", "--body", "x"], 2, "one line"),
            (["smtp-send", "-t", "b@x", "-s", "http://x", "--body", "x"], 2, "smtp:// or smtps://"),
            (["smtp-send", "-t", "b@x", "--auth", "plain", "--body", "x"], 2, "--auth applies only with --user"),
            (["smtp-send", "-t", "b@x", "-s", "smtps://x", "--starttls", "off", "--body", "x"], 2, "contradicts"),
            (["smtp-send", "-t", "b@x", "--attach", "/nonexistent/file.pdf", "--body", "x", "--dry-run"], 10, "/nonexistent/file.pdf"),
            (["smtp-send", "-t", "b@x", "--body-file", "/", "--dry-run"], 10, "/: read: is a directory"),
        ]
        for (arguments, status, message) in cases {
            let result = try Harness.swnet(arguments)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("swnet: "), result.stderr)
        }
    }
}
