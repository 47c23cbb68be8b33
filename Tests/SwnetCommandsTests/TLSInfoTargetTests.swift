import SwnetCore
@testable import SwnetCommands
import XCTest

/// tls-info's targets: HOST:PORT as everywhere, and a host alone for the default port.
final class TLSInfoTargetTests: XCTestCase {
    func testPortsAndDefaults() throws {
        let named = try TLSProbe.Target("example.com:8443", defaultPort: 443)
        XCTAssertEqual(named.host, "example.com")
        XCTAssertEqual(named.port, 8443)
        XCTAssertEqual(try TLSProbe.Target("example.com", defaultPort: 443).port, 443)
        XCTAssertEqual(try TLSProbe.Target("mail.example.com", defaultPort: 25).port, 25)
        XCTAssertEqual(try TLSProbe.Target("localhost:https", defaultPort: 25).port, 443)
        let v6 = try TLSProbe.Target("[::1]:993", defaultPort: 443)
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 993)
        XCTAssertEqual(try TLSProbe.Target("::1", defaultPort: 443).host, "::1")
        XCTAssertEqual(v6.text, "[::1]:993")
    }

    func testBadTargetsAreUsageErrors() {
        for text in ["", "[::1", "host:", ":443", "host:0", "host:65536", "host:nosuchservice"] {
            XCTAssertThrowsError(try TLSProbe.Target(text, defaultPort: 443), text) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage, text)
            }
        }
    }
}
