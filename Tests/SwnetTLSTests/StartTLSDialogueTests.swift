import SwnetCore
import XCTest
@testable import SwnetTLS

/// Each STARTTLS dialogue fed the server's side, as real servers write it:
/// what it sends, when it agrees, and how each refusal reads.
final class StartTLSDialogueTests: XCTestCase {
    /// Feeds `replies` one at a time and collects what the dialogue sends, as text.
    private func converse(_ proto: StartTLSProtocol, _ replies: [String]) throws -> (sent: [String], last: StartTLSStep) {
        var dialogue = proto.dialogue()
        var sent = [String(decoding: dialogue.opening(), as: UTF8.self)].filter { !$0.isEmpty }
        var last = StartTLSStep.read
        for reply in replies {
            last = try dialogue.receive(Array(reply.utf8))
            if case .send(let bytes) = last { sent.append(String(decoding: bytes, as: UTF8.self)) }
        }
        return (sent, last)
    }

    private func error(_ proto: StartTLSProtocol, _ replies: [String], file: StaticString = #filePath, line: UInt = #line) -> SwnetError? {
        do {
            _ = try converse(proto, replies)
            XCTFail("no error", file: file, line: line)
            return nil
        } catch let error as SwnetError {
            return error
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    func testSMTPGreetsSaysEHLOThenSTARTTLS() throws {
        let (sent, last) = try converse(.smtp, ["220 mx.example ESMTP Postfix\r\n", "250-mx.example\r\n250-PIPELINING\r\n",
                                                "250-STARTTLS\r\n250 8BITMIME\r\n", "220 2.0.0 Ready to start TLS\r\n"])
        XCTAssertEqual(sent, ["EHLO localhost\r\n", "STARTTLS\r\n"])
        XCTAssertEqual(last, .handshake)
    }

    func testSMTPReadByteByByteGivesTheSameDialogue() throws {
        var dialogue = StartTLSProtocol.smtp.dialogue(clientName: "client.example")
        var sent: [String] = []
        var last = StartTLSStep.read
        for byte in "220-mx.example\r\n220 hello\r\n250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n".utf8 {
            last = try dialogue.receive([byte])
            if case .send(let bytes) = last { sent.append(String(decoding: bytes, as: UTF8.self)) }
        }
        XCTAssertEqual(sent, ["EHLO client.example\r\n", "STARTTLS\r\n"])
        XCTAssertEqual(last, .handshake)
    }

    func testSMTPRefusalsAreServerErrorsWithTheReply() {
        let refused = error(.smtp, ["220 mx\r\n", "250 mx\r\n", "454 4.7.0 TLS not available due to local problem\r\n"])
        XCTAssertEqual(refused?.code, .serverError)
        XCTAssertEqual(refused?.description, "the server refused STARTTLS: 454 4.7.0 TLS not available due to local problem")
        let greeting = error(.smtp, ["554-mx.example\r\n554 no SMTP service here\r\n"])
        XCTAssertEqual(greeting?.code, .serverError)
        XCTAssertEqual(greeting?.description, "the server's greeting is an error: 554 mx.example no SMTP service here")
        let escape = error(.smtp, ["220 mx\r\n", "250 mx\r\n", "554 \u{1B}[31mred\r\n"])
        XCTAssertEqual(escape?.description, "the server refused STARTTLS: 554 \\x1b[31mred", "no terminal escape reaches the message")
        let ehlo = error(.smtp, ["220 mx\r\n", "502 5.5.2 Error: command not recognized\r\n"])
        XCTAssertEqual(ehlo?.description, "the server refused EHLO: 502 5.5.2 Error: command not recognized")
    }

    func testBytesAfterTheAgreementAreRefusedAsPossibleInjection() {
        let injected = error(.smtp, ["220 mx\r\n", "250 mx\r\n", "220 go ahead\r\n250 injected\r\n"])
        XCTAssertEqual(injected?.code, .tls)
        XCTAssertEqual(injected?.description.hasPrefix("the server sent 14 bytes after agreeing to STARTTLS"), true, injected?.description ?? "")
    }

    func testAServerThatSpeaksSomethingElseIsNamed() {
        let http = error(.smtp, ["HTTP/1.1 400 Bad Request\r\n"])
        XCTAssertEqual(http?.code, .failure)
        XCTAssertEqual(http?.description, "the server does not speak SMTP: greeting answered 'HTTP/1.1 400 Bad Request'")
        let binary = error(.pop3, ["\u{1}\u{2}garbage\n"])
        XCTAssertEqual(binary?.description, "the server does not speak POP3: greeting answered '\\x1\\x2garbage'")
    }

    func testAnEndlessLineIsCutOff() {
        let long = error(.ftp, [String(repeating: "2", count: LineDialogue.maximumLineLength + 1)])
        XCTAssertEqual(long?.code, .failure)
        XCTAssertEqual(long?.description, "the server sent a line longer than 8192 bytes")
    }

    func testFTPWaitsOutPreliminaryRepliesAndMultiLineGreetings() throws {
        let (sent, last) = try converse(.ftp, ["120 ready in 1 minute\r\n", "220-Welcome\r\n  to the test\r\n220 ready\r\n",
                                               "234 AUTH TLS successful\r\n"])
        XCTAssertEqual(sent, ["AUTH TLS\r\n"])
        XCTAssertEqual(last, .handshake)
        XCTAssertEqual(error(.ftp, ["220 ready\r\n", "500 Command not understood.\r\n"])?.description,
                       "the server refused AUTH TLS: 500 Command not understood.")
    }

    func testIMAPSkipsUntaggedLinesUntilItsTag() throws {
        let (sent, last) = try converse(.imap, ["* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n",
                                                "* CAPABILITY IMAP4rev1 STARTTLS\r\n", "a1 OK Begin TLS negotiation now.\r\n"])
        XCTAssertEqual(sent, ["a1 STARTTLS\r\n"])
        XCTAssertEqual(last, .handshake)
        XCTAssertEqual(error(.imap, ["* OK ready\r\n", "a1 BAD Unknown command\r\n"])?.description,
                       "the server refused STARTTLS: a1 BAD Unknown command")
        XCTAssertEqual(error(.imap, ["* BYE too many connections\r\n"])?.description,
                       "the server's greeting is an error: * BYE too many connections")
        XCTAssertEqual(try converse(.imap, ["* PREAUTH welcome\r\n"]).sent, ["a1 STARTTLS\r\n"])
    }

    func testPOP3SaysSTLS() throws {
        let (sent, last) = try converse(.pop3, ["+OK Dovecot ready.\r\n", "+OK Begin TLS negotiation now.\r\n"])
        XCTAssertEqual(sent, ["STLS\r\n"])
        XCTAssertEqual(last, .handshake)
        let refused = error(.pop3, ["+OK ready\r\n", "-ERR Unknown command: STLS\r\n"])
        XCTAssertEqual(refused?.code, .serverError)
        XCTAssertEqual(refused?.description, "the server refused STLS: -ERR Unknown command: STLS")
    }

    func testPostgresSendsSSLRequestAndReadsOneByte() throws {
        var dialogue = StartTLSProtocol.postgres.dialogue()
        XCTAssertEqual(dialogue.opening(), [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])
        XCTAssertEqual(try dialogue.receive([]), .read)
        XCTAssertEqual(try dialogue.receive([UInt8(ascii: "S")]), .handshake)
        XCTAssertEqual(error(.postgres, ["N"])?.code, .serverError)
        XCTAssertEqual(error(.postgres, ["SX"])?.code, .tls)
        XCTAssertEqual(error(.postgres, ["HTTP/1.1 400"])?.code, .failure)
    }

    func testPostgresErrorResponseGivesItsMessage() throws {
        let fields = Array("SFATAL\u{0}C0A000\u{0}Munsupported frontend protocol\u{0}\u{0}".utf8)
        let length = UInt32(4 + fields.count)
        let response = [UInt8(ascii: "E")] + withUnsafeBytes(of: length.bigEndian, Array.init) + fields
        var dialogue = StartTLSProtocol.postgres.dialogue()
        XCTAssertEqual(try dialogue.receive(Array(response.prefix(7))), .read)
        XCTAssertThrowsError(try dialogue.receive(Array(response.dropFirst(7)))) { error in
            XCTAssertEqual((error as? SwnetError)?.description, "the server refused SSL: FATAL: unsupported frontend protocol")
        }
    }

    func testClosingIsNamedByTheStepItCameAt() throws {
        var smtp = StartTLSProtocol.smtp.dialogue()
        XCTAssertEqual(smtp.closed().description, "the server closed the connection before its greeting")
        _ = try smtp.receive(Array("220 hi\r\n".utf8))
        XCTAssertEqual(smtp.closed().description, "the server closed the connection before answering EHLO")
        XCTAssertEqual(StartTLSProtocol.postgres.dialogue().closed().code, .failure)
    }
}
