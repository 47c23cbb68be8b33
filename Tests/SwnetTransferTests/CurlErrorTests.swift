import CCurl
import SwnetCore
@testable import SwnetTransfer
import XCTest

final class CurlErrorTests: XCTestCase {
    func testCodesMapToTheExitCodeTable() {
        let expected: [(CURLcode, ExitCode)] = [
            (CURLE_COULDNT_RESOLVE_HOST, .resolve), (CURLE_COULDNT_CONNECT, .unreachable), (CURLE_OPERATION_TIMEDOUT, .timeout),
            (CURLE_PEER_FAILED_VERIFICATION, .tls), (CURLE_SSL_CONNECT_ERROR, .tls), (CURLE_USE_SSL_FAILED, .tls),
            (CURLE_LOGIN_DENIED, .auth), (CURLE_REMOTE_ACCESS_DENIED, .serverError), (CURLE_WRITE_ERROR, .local),
            (CURLE_URL_MALFORMAT, .usage), (CURLE_GOT_NOTHING, .failure),
        ]
        for (code, exit) in expected {
            XCTAssertEqual(SwnetError(curl: code, detail: "").code, exit, "\(code)")
        }
    }

    func testTheDetailIsTheReasonLowerCased() {
        let error = SwnetError(curl: CURLE_COULDNT_CONNECT, detail: "Failed to connect to 127.0.0.1 port 9")
        XCTAssertEqual(error.description, "failed to connect to 127.0.0.1 port 9")
        XCTAssertEqual(SwnetError(curl: CURLE_COULDNT_CONNECT, detail: "").description, "couldn't connect to server")
    }

    func testAHandleReportsARefusedConnect() throws {
        let handle = try EasyHandle()
        try handle.set(CURLOPT_URL, "http://127.0.0.1:1/")
        XCTAssertThrowsError(try handle.perform()) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .unreachable)
            XCTAssertTrue("\(error)".contains("127.0.0.1"), "\(error)")
        }
    }
}
