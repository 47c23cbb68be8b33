import CCurl
import SwnetCore
import XCTest
@testable import SwnetCommands

/// Pairing commands with replies from libcurl's debug output, the
/// per-recipient report, failure explanations and --server parsing.
final class SMTPDialogueTests: XCTestCase {
    /// Feeds the dialogue as libcurl would, in chunks that may split lines.
    func dialogue(_ chunks: [(curl_infotype, String)]) -> SMTPDialogue {
        let dialogue = SMTPDialogue()
        for (type, text) in chunks {
            var text = text
            text.withUTF8 { dialogue.record(type, UnsafeRawBufferPointer($0)) }
        }
        return dialogue
    }

    let session: [(curl_infotype, String)] = [
        (CURLINFO_TEXT, "Connected to 127.0.0.1\n"),
        (CURLINFO_HEADER_IN, "220 mx ESMTP\r\n"),
        (CURLINFO_HEADER_OUT, "EHLO client\r\n"),
        (CURLINFO_HEADER_IN, "250-mx\r\n"), (CURLINFO_HEADER_IN, "250-AUTH PLAIN LOGIN\r\n"), (CURLINFO_HEADER_IN, "250 SIZE 1000\r\n"),
        (CURLINFO_HEADER_OUT, "AUTH LOGIN\r\n"), (CURLINFO_HEADER_IN, "334 VXNlcm5hbWU6\r\n"),
        (CURLINFO_HEADER_OUT, "YW5uYQ==\r\n"), (CURLINFO_HEADER_IN, "334 UGFzc3dvcmQ6\r\n"),
        (CURLINFO_HEADER_OUT, "c2VjcmV0\r\n"), (CURLINFO_HEADER_IN, "235 2.7.0 Authentication successful\r\n"),
        (CURLINFO_HEADER_OUT, "MAIL FROM:<anna@example.com> SIZE=120\r\n"), (CURLINFO_HEADER_IN, "250 OK\r\n"),
        (CURLINFO_HEADER_OUT, "RCPT TO:<bob@example.com>\r\n"), (CURLINFO_HEADER_IN, "250 OK\r\n"),
        (CURLINFO_HEADER_OUT, "RCPT TO:<nobody@exa"), (CURLINFO_HEADER_OUT, "mple.com>\r\n"),
        (CURLINFO_HEADER_IN, "550-5.1.1 no such user\r\n550 5.1.1 try "), (CURLINFO_HEADER_IN, "again later\r\n"),
        (CURLINFO_HEADER_OUT, "RCPT TO:<carol@example.com>\r\n"), (CURLINFO_HEADER_IN, "251 User not local; will forward\r\n"),
        (CURLINFO_HEADER_OUT, "DATA\r\n"), (CURLINFO_HEADER_IN, "354 go ahead\r\n"),
        (CURLINFO_DATA_OUT, "Subject: x\r\n\r\n250 this is body text, not a reply\r\n"),
        (CURLINFO_HEADER_IN, "250 OK queued as 7\r\n"),
        (CURLINFO_HEADER_OUT, "QUIT\r\n"), (CURLINFO_HEADER_IN, "221 Bye\r\n"),
    ]

    func testCommandsArePairedWithTheirReplies() {
        let dialogue = dialogue(session)
        XCTAssertEqual(dialogue.exchanges.map(\.verb), ["", "EHLO", "AUTH", "[REDACTED]", "[REDACTED]", "MAIL", "RCPT", "RCPT", "RCPT", "DATA", ".", "QUIT"])
        XCTAssertEqual(dialogue.exchanges[1].reply, SMTPDialogue.Reply(code: 250, lines: ["mx", "AUTH PLAIN LOGIN", "SIZE 1000"]))
        XCTAssertEqual(dialogue.exchanges[7].command, "RCPT TO:<nobody@example.com>")
        XCTAssertEqual(dialogue.exchanges[7].reply.description, "550 5.1.1 no such user 5.1.1 try again later")
        XCTAssertEqual(dialogue.dataReply?.description, "250 OK queued as 7")
        XCTAssertTrue(dialogue.authenticated)
        XCTAssertEqual(dialogue.offeredMechanisms, ["PLAIN", "LOGIN"])
        XCTAssertNil(dialogue.failure, "a refused recipient alone is no failure of the session")
    }

    func testSecretsAreNotKept() {
        let dialogue = dialogue(session + [(CURLINFO_HEADER_OUT, "AUTH PLAIN AGFubmEAc2VjcmV0\r\n"), (CURLINFO_HEADER_IN, "535 no\r\n")])
        let commands = dialogue.exchanges.compactMap(\.command).joined(separator: "\n")
        XCTAssertFalse(commands.contains("YW5uYQ=="))
        XCTAssertFalse(commands.contains("c2VjcmV0"))
        XCTAssertFalse(commands.contains("AGFubmEAc2VjcmV0"))
        XCTAssertEqual(dialogue.exchanges.last?.command, "AUTH PLAIN")
    }

    func testRecipientReport() {
        let report = RecipientReport(dialogue(session))
        XCTAssertEqual(report.accepted.map(\.address), ["bob@example.com", "carol@example.com"])
        XCTAssertEqual(report.rejected.map(\.address), ["nobody@example.com"])
        XCTAssertEqual(report.rejectedJSON.rendered,
                       #"[{"address":"nobody@example.com","reply":"550 5.1.1 no such user 5.1.1 try again later"}]"#)
        XCTAssertEqual(report.acceptedJSON.rendered, #"["bob@example.com","carol@example.com"]"#)
        XCTAssertEqual(RecipientReport.address(inCommand: "RCPT TO:<a@b> NOTIFY=NEVER"), "a@b")
        XCTAssertEqual(RecipientReport.address(inCommand: "RCPT TO:postmaster"), "postmaster")
    }

    func testFailuresAreExplainedWithTheServersReply() {
        let curlFailure = SwnetError(.failure, "RCPT failed: 550 (last error)")
        // Every recipient refused.
        let allRefused = dialogue([
            (CURLINFO_HEADER_IN, "220 hi\r\n"), (CURLINFO_HEADER_OUT, "EHLO x\r\n"), (CURLINFO_HEADER_IN, "250 hi\r\n"),
            (CURLINFO_HEADER_OUT, "MAIL FROM:<a@x>\r\n"), (CURLINFO_HEADER_IN, "250 OK\r\n"),
            (CURLINFO_HEADER_OUT, "RCPT TO:<b@x>\r\n"), (CURLINFO_HEADER_IN, "550 no such user\r\n"),
            (CURLINFO_HEADER_OUT, "QUIT\r\n"), (CURLINFO_HEADER_IN, "221 Bye\r\n"),
        ])
        let refused = SMTPSendCommand.explain(curlFailure, dialogue: allRefused, report: RecipientReport(allRefused), stoppedUnauthenticated: false)
        XCTAssertEqual(refused.code, .serverError)
        XCTAssertEqual(refused.reason, "the recipient was refused: <b@x>: 550 no such user")

        // The sender refused.
        let mail = dialogue([(CURLINFO_HEADER_IN, "220 hi\r\n"), (CURLINFO_HEADER_OUT, "MAIL FROM:<a@x>\r\n"), (CURLINFO_HEADER_IN, "553 5.7.1 sender rejected\r\n")])
        let mailError = SMTPSendCommand.explain(SwnetError(.failure, "MAIL failed: 553"), dialogue: mail, report: RecipientReport(mail), stoppedUnauthenticated: false)
        XCTAssertEqual(mailError.code, .serverError)
        XCTAssertEqual(mailError.reason, "MAIL FROM:<a@x> refused: 553 5.7.1 sender rejected")

        // The message refused after the data.
        let data = dialogue([(CURLINFO_HEADER_OUT, "DATA\r\n"), (CURLINFO_HEADER_IN, "354 go\r\n"), (CURLINFO_HEADER_IN, "554 5.7.1 spam\r\n")])
        let dataError = SMTPSendCommand.explain(SwnetError(.serverError, "weird"), dialogue: data, report: RecipientReport(data), stoppedUnauthenticated: false)
        XCTAssertEqual(dataError.reason, "the server refused the message: 554 5.7.1 spam")

        // A login refused.
        let auth = dialogue([(CURLINFO_HEADER_OUT, "AUTH PLAIN AGFubmEAc2VjcmV0\r\n"), (CURLINFO_HEADER_IN, "535 5.7.8 bad credentials\r\n")])
        let authError = SMTPSendCommand.explain(SwnetError(.auth, "login denied"), dialogue: auth, report: RecipientReport(auth), stoppedUnauthenticated: false)
        XCTAssertEqual(authError.code, .auth)
        XCTAssertEqual(authError.reason, "AUTH PLAIN refused: 535 5.7.8 bad credentials")

        // No AUTH offered while --user was given.
        let none = dialogue([(CURLINFO_HEADER_OUT, "EHLO x\r\n"), (CURLINFO_HEADER_IN, "250 hi\r\n")])
        let noneError = SMTPSendCommand.explain(SwnetError(.interrupted, "aborted"), dialogue: none, report: RecipientReport(none), stoppedUnauthenticated: true)
        XCTAssertEqual(noneError.code, .auth)
        XCTAssertTrue(noneError.reason.contains("offers no AUTH"), noneError.reason)

        // Network failures stay what they are.
        let tls = SwnetError(.tls, "SSL certificate problem")
        XCTAssertEqual(SMTPSendCommand.explain(tls, dialogue: none, report: RecipientReport(none), stoppedUnauthenticated: false).code, .tls)
    }

    func testServerOption() throws {
        XCTAssertEqual(try SMTPServer.parse("localhost:25"), SMTPServer(implicitTLS: false, host: "localhost", port: 25, helo: nil))
        XCTAssertEqual(try SMTPServer.parse("mail.example.com"), SMTPServer(implicitTLS: false, host: "mail.example.com", port: 25, helo: nil))
        XCTAssertEqual(try SMTPServer.parse("[::1]:2525").description, "smtp://[::1]:2525")
        XCTAssertEqual(try SMTPServer.parse("smtps://mail.example.com"), SMTPServer(implicitTLS: true, host: "mail.example.com", port: 465, helo: nil))
        XCTAssertEqual(try SMTPServer.parse("SMTP://127.0.0.1:587/client.example"), SMTPServer(implicitTLS: false, host: "127.0.0.1", port: 587, helo: "client.example"))
        XCTAssertEqual(try SMTPServer.parse("127.0.0.1:2525").url(helo: "my host"), "smtp://127.0.0.1:2525/my%20host")
        XCTAssertEqual(try SMTPServer.parse("127.0.0.1:2525").url(helo: nil), "smtp://127.0.0.1:2525")
        for bad in ["http://x", "smtp://user@x", "x:0", "x:99999", "x:", "[::1"] {
            XCTAssertThrowsError(try SMTPServer.parse(bad), bad) { XCTAssertEqual(($0 as? SwnetError)?.code, .usage, bad) }
        }
    }

    func testReadyMessageHeaders() {
        let ready = ReadyMessage(Array("From: Anna\n <anna@example.com>\nMessage-ID: <x@y>\nSubject: s\n\nMessage-ID: <body@z>\n".utf8))
        XCTAssertEqual(ready.field("message-id"), "<x@y>")
        XCTAssertEqual(ready.field("From"), "Anna <anna@example.com>")
        XCTAssertNil(ready.field("To"))
        XCTAssertEqual(String(decoding: ready.bytes, as: UTF8.self), "From: Anna\r\n <anna@example.com>\r\nMessage-ID: <x@y>\r\nSubject: s\r\n\r\nMessage-ID: <body@z>\r\n")
        XCTAssertEqual(ReadyMessage(Array(("a\n" + String(repeating: "x", count: 999) + "\n").utf8)).overlongLines, [2])
    }
}
