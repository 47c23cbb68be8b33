import SwnetCore
@testable import SwnetCommands
import XCTest

/// The forms of --resolve, --connect-to and -x, checked before libcurl
/// sees them, and what a failure's message makes of libcurl's words.
final class HTTPConnectionOptionsTests: XCTestCase {
    func usageError(_ body: () throws -> String) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as SwnetError {
            XCTAssertEqual(error.code, .usage)
            return error.reason
        } catch {
            return "\(error)"
        }
    }

    func testResolveTakesHostPortAndAddresses() throws {
        for good in ["example.test:443:127.0.0.1", "example.test:8443:::1", "example.test:80:[::1]",
                     "example.test:80:127.0.0.1,::1,[fe80::1]", "*:443:10.0.0.1"] {
            XCTAssertEqual(try ConnectionOptions.checkedResolve(good), good)
        }
        for bad in ["", "example.test", "example.test:443", "example.test:443:", ":443:127.0.0.1", "example.test::127.0.0.1",
                    "example.test:0:127.0.0.1", "example.test:65536:127.0.0.1", "example.test:+1:127.0.0.1",
                    "example.test:443:localhost", "example.test:443:127.0.0.1,", "example.test:443:999.0.0.1",
                    "+example.test:443:127.0.0.1", "-example.test:443", "exa mple:443:127.0.0.1"] {
            let reason = usageError { try ConnectionOptions.checkedResolve(bad) }
            let problem = ["example.test:0:127.0.0.1": "port 0", "example.test:65536:127.0.0.1": "port 65536"][bad].map { $0 + " is out of range (1-65535); " } ?? ""
            XCTAssertEqual(reason, "invalid value '\(bad)' for --resolve: \(problem)expected HOST:PORT:ADDR such as example.com:443:127.0.0.1 (ADDR an IP address, or several, comma-separated)", bad)
        }
    }

    func testAValueWithAControlCharacterIsQuotedOnOneLine() {
        XCTAssertEqual(usageError { try ConnectionOptions.checkedResolve(".k3jj\u{8C}\n") },
                       "invalid value '.k3jj\\u{008C}\\n' for --resolve: expected HOST:PORT:ADDR such as example.com:443:127.0.0.1 (ADDR an IP address, or several, comma-separated)")
        XCTAssertEqual(usageError { try ConnectionOptions.checkedConnectTo("a\r:1:b:2") }?.contains("'a\\r:1:b:2'"), true)
        XCTAssertEqual(usageError { try FetchOptions.checkedProxy("ftp://h\u{1B}[2J") }?.contains("'ftp://h\\u{1B}[2J'"), true)
    }

    func testConnectToTakesFourPartsAnyOfThemEmpty() throws {
        for good in ["example.test:443:127.0.0.1:8443", "::127.0.0.1:8443", "example.test:443::", ":::",
                     "[::1]:443:[::1]:8443", "example.test::backend.test:"] {
            XCTAssertEqual(try ConnectionOptions.checkedConnectTo(good), good)
        }
        for bad in ["", "a:1:b", "a:1:b:2:3", "a:x:b:2", "a:1:b:70000", "[::1:443:b:1", "[::1]x:443:b:1", "::1:443:b:1",
                    "a b:1:c:2", "[zz]:1:b:2"] {
            let reason = usageError { try ConnectionOptions.checkedConnectTo(bad) }
            let problem = bad == "a:1:b:70000" ? "port 70000 is out of range (1-65535); " : ""
            XCTAssertEqual(reason, "invalid value '\(bad)' for --connect-to: \(problem)expected HOST:PORT:HOST2:PORT2 such as example.com:443:127.0.0.1:8443 (an empty part matches any, or keeps the URL's)", bad)
        }
    }

    func testProxySchemesAreLibcurls() throws {
        for good in ["proxy:3128", "http://proxy:3128", "HTTPS://proxy", "socks5h://anna:pw@proxy:1080", ""] {
            XCTAssertEqual(try FetchOptions.checkedProxy(good), good)
        }
        XCTAssertEqual(usageError { try FetchOptions.checkedProxy("ftp://anna:pw@proxy") },
                       "invalid value 'ftp://anna:[redacted]@proxy' for --proxy: the scheme is one of http, https, socks4, socks4a, socks5, socks5h")
    }

    func testALimitedRateReadsInSmallBuffers() {
        XCTAssertEqual(FetchOptions.bufferSize(forRate: 100), 1024)
        XCTAssertEqual(FetchOptions.bufferSize(forRate: 1 << 20), 1048)
        XCTAssertEqual(FetchOptions.bufferSize(forRate: 100 << 20), 104_857)
        XCTAssertEqual(FetchOptions.bufferSize(forRate: 10 << 30), 512 << 10)
    }

    func testAUserWhosePasswordIsInNetrcGoesInTheURL() {
        let anna = FetchOptions.Login.user("anna")
        XCTAssertEqual(anna.located(in: "ftp://127.0.0.1:21/pub/"), "ftp://anna@127.0.0.1:21/pub/")
        XCTAssertEqual(anna.located(in: "https://bob@example.test/a@b?c=@"), "https://anna@example.test/a@b?c=@")
        XCTAssertEqual(anna.located(in: "example.test/x"), "anna@example.test/x")
        XCTAssertEqual(FetchOptions.Login.user("a@b:c").located(in: "http://h/"), "http://a%40b%3Ac@h/")
        let credentials = FetchOptions.Login.credentials(.init(user: "anna", password: "secret"))
        XCTAssertEqual(credentials.located(in: "http://h/"), "http://h/", "a password never goes in the URL")
    }

    func testTheAddressLibcurlTriedIsNamed() {
        XCTAssertEqual(TransferFailure.attemptedAddress("failed to connect to 127.0.0.1 port 8443 after 0 ms: couldn't connect to server"), "127.0.0.1:8443")
        XCTAssertEqual(TransferFailure.attemptedAddress("Failed to connect to ::1 port 80 after 1 ms: Couldn't connect to server"), "[::1]:80")
        XCTAssertNil(TransferFailure.attemptedAddress("couldn't connect to server"))
        XCTAssertNil(TransferFailure.attemptedAddress("failed to connect to"))
    }

    func testARefusedClientCertificateIsATLSFailureInConnectsWords() {
        XCTAssertEqual(TransferFailure.clientCertificateRefusal("OpenSSL SSL_read: OpenSSL/3.0.19: error:0A00045C:SSL routines::tlsv13 alert certificate required, errno 0"),
                       "the server requires a client certificate (--cert and --key)")
        XCTAssertEqual(TransferFailure.clientCertificateRefusal("error:0A000418:SSL routines::tlsv1 alert unknown ca"), "the server does not trust our certificate (unknown CA)")
        XCTAssertEqual(TransferFailure.clientCertificateRefusal("error:0A000412:SSL routines::sslv3 alert bad certificate"), "the server rejected our certificate")
        XCTAssertNil(TransferFailure.clientCertificateRefusal("OpenSSL SSL_read: error:0A000126:SSL routines::unexpected eof while reading"))
    }
}
