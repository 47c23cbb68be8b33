import SwnetCore
import SwnetSocket
import XCTest

final class EndpointTests: XCTestCase {
    func testEveryHostPortForm() throws {
        let cases: [([String], String, String)] = [
            (["example.com:80"], "example.com", "80"),
            (["1.2.3.4:7"], "1.2.3.4", "7"),
            (["[::1]:8080"], "::1", "8080"),
            (["[fe80::1%lo]:22"], "fe80::1%lo", "22"),
            (["localhost:http"], "localhost", "http"),
            (["example.com", "443"], "example.com", "443"),
            (["::1", "53"], "::1", "53"),
            (["[::1]", "53"], "::1", "53"),
        ]
        for (arguments, host, port) in cases {
            let endpoint = try Endpoint.parse(arguments)
            XCTAssertEqual(endpoint.host, host, "\(arguments)")
            XCTAssertEqual(endpoint.port, port, "\(arguments)")
        }
    }

    func testMalformedEndpointsAreUsageErrors() {
        for arguments in [["example.com"], ["::1"], ["[::1]"], ["[::1"], [":80"], ["host:"], ["[]:80"], ["a", "b", "c"], []] {
            XCTAssertThrowsError(try Endpoint.parse(arguments), "\(arguments)") { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage, "\(arguments)")
            }
        }
    }

    func testPortsNumbersAndServiceNames() throws {
        XCTAssertEqual(try Endpoint.port("0", for: .tcp, use: .local), 0)
        XCTAssertEqual(try Endpoint.port("65535", for: .tcp, use: .destination), 65535)
        XCTAssertEqual(try Endpoint.port("http", for: .tcp, use: .destination), 80)
        XCTAssertEqual(try Endpoint.port("domain", for: .udp, use: .local), 53)
        for bad in ["65536", "-1", "", "nosuchservice", "ht tp"] {
            XCTAssertThrowsError(try Endpoint.port(bad, for: .tcp, use: .local), bad) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage)
            }
        }
        // A local port may be 0 (a free one), a destination may not: the range in the error says which.
        XCTAssertThrowsError(try Endpoint.port("70000", for: .tcp, use: .local)) { error in
            XCTAssertEqual((error as? SwnetError)?.reason, "port 70000 is out of range: expected a whole number from 0 to 65535")
        }
        XCTAssertThrowsError(try Endpoint.port("70000", for: .tcp, use: .destination)) { error in
            XCTAssertEqual((error as? SwnetError)?.reason, "port 70000 is out of range: expected a whole number from 1 to 65535")
        }
        XCTAssertThrowsError(try Endpoint(host: "h", port: "0").portNumber(for: .tcp)) { error in
            XCTAssertEqual((error as? SwnetError)?.reason, "port 0 is not a destination: expected a whole number from 1 to 65535")
        }
    }

    func testPortListsAndRanges() throws {
        XCTAssertEqual(try Endpoint.ports("20-25,80,443", for: .tcp), [20, 21, 22, 23, 24, 25, 80, 443])
        XCTAssertEqual(try Endpoint.ports("443,80,80,79-81", for: .tcp), [79, 80, 81, 443])
        XCTAssertEqual(try Endpoint.ports("http", for: .tcp), [80])
        XCTAssertEqual(try Endpoint.ports("1-65535", for: .tcp).count, 65535)
        for bad in ["25-20", "0-5", "1-70000", "80,,81", "", "0", "a-b"] {
            XCTAssertThrowsError(try Endpoint.ports(bad, for: .tcp), bad) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage, bad)
            }
        }
    }

    func testSocketAddressesPrintAndParse() throws {
        let v4 = try XCTUnwrap(SocketAddress(numeric: "127.0.0.1", port: 7))
        XCTAssertEqual(v4.description, "127.0.0.1:7")
        XCTAssertEqual(v4.family, .v4)
        var v6 = try XCTUnwrap(SocketAddress(numeric: "::1", port: 80))
        XCTAssertEqual(v6.description, "[::1]:80")
        v6.port = 8080
        XCTAssertEqual(v6.port, 8080)
        XCTAssertNil(SocketAddress(numeric: "localhost", port: 1))
        XCTAssertNil(SocketAddress(numeric: "1.2.3.256", port: 1))
    }

    func testResolverReportsNamesItCannotResolve() throws {
        XCTAssertEqual(try Resolver.resolve("localhost", port: 5, family: .v4, transport: .tcp).first?.description, "127.0.0.1:5")
        XCTAssertThrowsError(try Resolver.resolve("name.invalid", port: 5, family: nil, transport: .tcp)) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .resolve)
            XCTAssertTrue("\(error)".hasPrefix("resolve name.invalid: "), "\(error)")
        }
        XCTAssertThrowsError(try Resolver.resolve("::1", port: 5, family: .v4, transport: .tcp)) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .resolve)
        }
    }

    func testHappyEyeballsInterleavesFamiliesStartingWithTheFirst() throws {
        let addresses = ["::1", "::2", "::3", "10.0.0.1", "10.0.0.2"].map { SocketAddress(numeric: $0, port: 1)! }
        XCTAssertEqual(HappyEyeballs.interleaved(addresses).map(\.host), ["::1", "10.0.0.1", "::2", "10.0.0.2", "::3"])
        let v4First = [addresses[3], addresses[0], addresses[4], addresses[1]]
        XCTAssertEqual(HappyEyeballs.interleaved(v4First).map(\.host), ["10.0.0.1", "::1", "10.0.0.2", "::2"])
    }
}
