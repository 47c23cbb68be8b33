import SwnetSocket
import XCTest

/// The PROXY protocol header: what is built, and what the parser accepts
/// and refuses (its input comes from outside).
final class ProxyHeaderTests: XCTestCase {
    let client4 = SocketAddress(numeric: "192.0.2.7", port: 51234)!
    let server4 = SocketAddress(numeric: "198.51.100.1", port: 443)!
    let client6 = SocketAddress(numeric: "2001:db8::7", port: 40000)!
    let server6 = SocketAddress(numeric: "2001:db8::1", port: 8080)!

    func header(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> (ProxyHeader, Int) {
        guard case .header(let header, let length) = try ProxyHeader.parse(bytes) else {
            XCTFail("incomplete", file: file, line: line)
            throw XCTSkip("incomplete")
        }
        return (header, length)
    }

    func refusal(_ bytes: [UInt8]) -> String? {
        do {
            _ = try ProxyHeader.parse(bytes)
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testV1IsTheSpecificationsLine() {
        XCTAssertEqual(String(decoding: ProxyHeader.encode(.v1, source: client4, destination: server4), as: UTF8.self),
                       "PROXY TCP4 192.0.2.7 198.51.100.1 51234 443\r\n")
        XCTAssertEqual(String(decoding: ProxyHeader.encode(.v1, source: client6, destination: server6), as: UTF8.self),
                       "PROXY TCP6 2001:db8::7 2001:db8::1 40000 8080\r\n")
        XCTAssertEqual(String(decoding: ProxyHeader.encode(.v1, source: client4, destination: server6), as: UTF8.self), "PROXY UNKNOWN\r\n")
    }

    func testV2IsTheSpecificationsBytes() {
        let bytes = ProxyHeader.encode(.v2, source: client4, destination: server4)
        XCTAssertEqual(Array(bytes[0..<12]), [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A])
        XCTAssertEqual(Array(bytes[12...]), [0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 7, 198, 51, 100, 1, 0xC8, 0x22, 0x01, 0xBB])
        XCTAssertEqual(ProxyHeader.encode(.v2, source: client6, destination: server6).count, 16 + 36)
    }

    func testWhatIsBuiltParsesBack() throws {
        for version in ProxyHeader.Version.allCases {
            for (source, destination) in [(client4, server4), (client6, server6)] {
                let bytes = ProxyHeader.encode(version, source: source, destination: destination)
                let (header, length) = try header(bytes + Array("GET /".utf8))
                XCTAssertEqual(length, bytes.count)
                XCTAssertEqual(header.source?.description, source.description)
                XCTAssertEqual(header.destination?.description, destination.description)
            }
        }
    }

    func testEveryPrefixIsIncompleteNotAnError() throws {
        for version in ProxyHeader.Version.allCases {
            let bytes = ProxyHeader.encode(version, source: client6, destination: server6)
            for count in 0..<bytes.count {
                guard case .incomplete = try ProxyHeader.parse(Array(bytes[..<count])) else { return XCTFail("\(version) prefix \(count)") }
            }
        }
    }

    func testUnknownAndLocalNameNoAddress() throws {
        let (unknown, length) = try header(Array("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nrest".utf8))
        XCTAssertNil(unknown.source)
        XCTAssertEqual(length, 35)
        let local = ProxyHeader.v2Signature + [0x20, 0x00, 0x00, 0x00]
        XCTAssertNil(try header(local).0.source)
    }

    func testV2SkipsTLVsAfterTheAddresses() throws {
        var bytes = ProxyHeader.encode(.v2, source: client4, destination: server4)
        bytes[15] += 7
        bytes += [0x04, 0x00, 0x04, 0x61, 0x62, 0x63, 0x64]   // a NOOP TLV
        let (header, length) = try header(bytes + [0x58])
        XCTAssertEqual(length, bytes.count)
        XCTAssertEqual(header.source?.description, "192.0.2.7:51234")
    }

    func testMalformedHeadersAreRefusedWithTheReason() {
        let cases: [(String, String)] = [
            ("GET / HTTP/1.1\r\n", "not a PROXY protocol header"),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "does not end in CRLF"),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "needs 6 fields"),
            ("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", "needs 6 fields"),
            ("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "is not TCP4, TCP6 or UNKNOWN"),
            ("PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n", "is not an IPv4 address"),
            ("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", "is not an IPv4 address"),
            ("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "is not an IPv6 address"),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "is not a number"),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "is not a number"),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "is not a number"),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\u{7}\r\n", "not printable ASCII"),
            ("PROXY " + String(repeating: "A", count: 120), "longer than 107 bytes"),
        ]
        for (text, reason) in cases {
            let refused = refusal(Array(text.utf8))
            XCTAssertTrue(refused?.contains(reason) == true, "\(text.debugDescription): \(refused ?? "accepted")")
        }
        let signature = ProxyHeader.v2Signature
        XCTAssertTrue(refusal(signature + [0x11, 0x11, 0x00, 0x0C] + Array(repeating: 0, count: 12))?.contains("version 1") == true)
        XCTAssertTrue(refusal(signature + [0x2F, 0x11, 0x00, 0x0C] + Array(repeating: 0, count: 12))?.contains("command 15") == true)
        XCTAssertTrue(refusal(signature + [0x21, 0x11, 0x00, 0x04, 1, 2, 3, 4])?.contains("too short") == true)
        XCTAssertTrue(refusal(signature + [0x21, 0x21, 0x00, 0x0C] + Array(repeating: 0, count: 12))?.contains("too short") == true)
        XCTAssertTrue(refusal(signature + [0x21, 0x51, 0x00, 0x00])?.contains("family 5") == true)
        XCTAssertTrue(refusal(signature + [0x21, 0x11, 0xFF, 0xFF])?.contains("longer than") == true)
    }
}
