import CCurl
import SwnetCore
@testable import SwnetTransfer
import XCTest

final class TranscriptTests: XCTestCase {
    func record(_ lines: [(curl_infotype, String)]) -> String {
        let err = MemorySink()
        let transcript = Transcript(console: Console(out: MemorySink(), err: err, verbosity: 2))
        for (type, text) in lines {
            var text = text
            text.withUTF8 { transcript.record(type, UnsafeRawBufferPointer($0)) }
        }
        return err.text
    }

    func testDirectionsArePrefixedAndBodiesLeftOut() {
        let text = record([(CURLINFO_HEADER_OUT, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), (CURLINFO_HEADER_IN, "HTTP/1.1 200 OK\r\n"),
                           (CURLINFO_DATA_IN, "body"), (CURLINFO_TEXT, "Connected\n")])
        XCTAssertEqual(text, "> GET / HTTP/1.1\n> Host: x\n< HTTP/1.1 200 OK\n* Connected\n")
    }

    func testLibcurlNotesAreRedactedToo() {
        let text = record([
            (CURLINFO_TEXT, "h2h3 [authorization: Basic YW5uYTpUb3BTZWNyZXQ5OQ==]\n"),
            (CURLINFO_TEXT, "h2h3 [cookie: sid=abcdef]\n"),
            (CURLINFO_TEXT, "h2h3 [user-agent: swnet/0.1.0]\n"),
            (CURLINFO_TEXT, "Uses proxy env variable http_proxy == 'http://puser:ProxyPass123@127.0.0.1:1/'\n"),
        ])
        XCTAssertFalse(text.contains("YW5uYTpUb3BTZWNyZXQ5OQ"), text)
        XCTAssertFalse(text.contains("abcdef"), text)
        XCTAssertFalse(text.contains("ProxyPass123"), text)
        XCTAssertTrue(text.contains("* h2h3 [authorization: [redacted]]\n"), text)
        XCTAssertTrue(text.contains("* h2h3 [user-agent: swnet/0.1.0]\n"), text)
        XCTAssertTrue(text.contains("'http://puser:[redacted]@127.0.0.1:1/'"), text)
    }

    func testCredentialsAreRedacted() {
        let text = record([
            (CURLINFO_HEADER_OUT, "GET / HTTP/1.1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n"),
            (CURLINFO_HEADER_OUT, "USER anna\r\n"), (CURLINFO_HEADER_OUT, "PASS secret\r\n"),
            (CURLINFO_HEADER_OUT, "AUTH PLAIN AGFubmEAc2VjcmV0\r\n"),
            (CURLINFO_HEADER_OUT, "AUTH LOGIN\r\n"), (CURLINFO_HEADER_IN, "334 VXNlcm5hbWU6\r\n"),
            (CURLINFO_HEADER_OUT, "YW5uYQ==\r\n"), (CURLINFO_HEADER_IN, "334 UGFzc3dvcmQ6\r\n"), (CURLINFO_HEADER_OUT, "c2VjcmV0\r\n"),
            (CURLINFO_HEADER_OUT, "AUTH TLS\r\n"), (CURLINFO_HEADER_OUT, "MAIL FROM:<a@b>\r\n"),
        ])
        XCTAssertFalse(text.contains("dXNlcjpwYXNz"))
        XCTAssertFalse(text.contains("secret"))
        XCTAssertFalse(text.contains("AGFubmEAc2VjcmV0"))
        XCTAssertFalse(text.contains("YW5uYQ=="))
        XCTAssertFalse(text.contains("c2VjcmV0"))
        XCTAssertTrue(text.contains("> Authorization: [redacted]\n"))
        XCTAssertTrue(text.contains("> USER anna\n"))
        XCTAssertTrue(text.contains("> PASS [redacted]\n"))
        XCTAssertTrue(text.contains("> AUTH PLAIN [redacted]\n"))
        XCTAssertTrue(text.contains("> AUTH TLS\n> MAIL FROM:<a@b>\n"), text)
    }
}
