import Glibc
import SwnetCore
import SwnetSocket
import XCTest

final class UnixSocketTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-unix-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func testUnixEndpointsParse() throws {
        let path = try XCTUnwrap(Endpoint.unixAddress("unix:/run/app.sock"))
        XCTAssertEqual(path.family, .unix)
        XCTAssertEqual(path.unixPath, "/run/app.sock")
        XCTAssertEqual(path.description, "unix:/run/app.sock")
        XCTAssertEqual(path.named(.tcp), "unix:/run/app.sock")
        XCTAssertEqual(path.port, 0)
        let relative = try XCTUnwrap(Endpoint.unixAddress("unix:app.sock"))
        XCTAssertEqual(relative.unixPath, "app.sock")
        let abstract = try XCTUnwrap(Endpoint.unixAddress("unix:@swnet-test"))
        XCTAssertNil(abstract.unixPath)
        XCTAssertEqual(abstract.host, "@swnet-test")
        XCTAssertEqual(abstract.description, "unix:@swnet-test")
        XCTAssertNil(try Endpoint.unixAddress("127.0.0.1:80"))
        XCTAssertNil(try Endpoint.unixAddress("unixhost:80"))
    }

    func testBadUnixAddressesAreUsageErrors() {
        let long = "/" + String(repeating: "a", count: SocketAddress.unixPathCapacity)
        for bad in ["unix:", "unix:@", "unix:\(long)", "unix:@" + String(repeating: "b", count: SocketAddress.unixPathCapacity + 1)] {
            XCTAssertThrowsError(try Endpoint.unixAddress(bad), bad) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage, bad)
            }
        }
        XCTAssertNoThrow(try Endpoint.unixAddress("unix:/" + String(repeating: "a", count: SocketAddress.unixPathCapacity - 1)))
    }

    func testListenConnectAndRemoveOwnFile() throws {
        let path = directory + "/s.sock"
        let address = try SocketAddress(unixPath: path)
        var sockets: ListeningSockets? = try ListeningSockets(addresses: [(address, false)], port: 0, transports: [.tcp], copies: 1)
        XCTAssertTrue(exists(path))
        XCTAssertEqual(sockets?.reports.first?.address.description, "unix:\(path)")
        let listener = try XCTUnwrap(sockets?.stream[0].first)
        XCTAssertEqual(try listener.localAddress().unixPath, path)

        let client = try Socket(family: .unix, transport: .tcp)
        _ = try client.startConnect(to: address)
        XCTAssertTrue(try listener.wait(for: .readable, timeout: .seconds(10)))
        guard case .done(let (accepted, peer)) = try listener.accept() else { return XCTFail("no connection waiting") }
        XCTAssertEqual(peer?.family, .unix)
        XCTAssertEqual(peer?.description, "unix:(unnamed)")
        var byte: UInt8 = 42
        _ = try withUnsafeBytes(of: &byte) { try client.send($0) }
        XCTAssertTrue(try accepted.wait(for: .readable, timeout: .seconds(10)))
        var received = [UInt8](repeating: 0, count: 4)
        guard case .done(let count) = try received.withUnsafeMutableBytes({ try accepted.read(into: $0) }) else { return XCTFail("nothing read") }
        XCTAssertEqual(Array(received[..<count]), [42])

        sockets?.removeSocketFiles()
        XCTAssertFalse(exists(path), "our own socket file is removed")
        sockets = nil
    }

    func testStaleFileIsReplacedButALiveListenerIsNot() throws {
        let path = directory + "/stale.sock"
        let address = try SocketAddress(unixPath: path)
        // A socket file nobody listens on, as a killed server leaves it.
        do {
            let dead = try Socket(family: .unix, transport: .tcp)
            try dead.bind(to: address)
            dead.close()
        }
        XCTAssertTrue(exists(path))
        let first = try ListeningSockets(addresses: [(address, false)], port: 0, transports: [.tcp], copies: 1)
        XCTAssertEqual(first.socketFiles.count, 1)

        XCTAssertThrowsError(try ListeningSockets(addresses: [(address, false)], port: 0, transports: [.tcp], copies: 1)) { error in
            let error = error as? SwnetError
            XCTAssertEqual(error?.code, .local)
            XCTAssertEqual(error?.errno, Errno(EADDRINUSE))
            XCTAssertTrue(error?.description.contains(path) == true, error?.description ?? "")
        }
        XCTAssertTrue(exists(path), "a listening server keeps its file")
        first.removeSocketFiles()
        XCTAssertFalse(exists(path))
    }

    func testAFileThatIsNotASocketIsNeverRemoved() throws {
        let path = directory + "/plain"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        XCTAssertThrowsError(try ListeningSockets(addresses: [(try SocketAddress(unixPath: path), false)], port: 0, transports: [.tcp], copies: 1)) { error in
            XCTAssertEqual((error as? SwnetError)?.code, .local)
            XCTAssertTrue((error as? SwnetError)?.reason.contains("not a socket") == true)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("keep".utf8))
    }

    func testRemovalSparesAFileAnotherProcessPutThere() throws {
        let path = directory + "/replaced.sock"
        let address = try SocketAddress(unixPath: path)
        let sockets = try ListeningSockets(addresses: [(address, false)], port: 0, transports: [.tcp], copies: 1)
        try FileManager.default.removeItem(atPath: path)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("other".utf8)))
        sockets.removeSocketFiles()
        XCTAssertTrue(exists(path), "a file that is no longer ours stays")
    }

    func testAbstractNamesHaveNoFile() throws {
        let name = "swnet-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let address = try XCTUnwrap(Endpoint.unixAddress("unix:@\(name)"))
        let sockets = try ListeningSockets(addresses: [(address, false)], port: 0, transports: [.tcp], copies: 1)
        XCTAssertTrue(sockets.socketFiles.isEmpty)
        XCTAssertEqual(try sockets.stream[0][0].localAddress().description, "unix:@\(name)")
        let client = try Socket(family: .unix, transport: .tcp)
        _ = try client.startConnect(to: address)
        XCTAssertTrue(try sockets.stream[0][0].wait(for: .readable, timeout: .seconds(10)))
        XCTAssertThrowsError(try ListeningSockets(addresses: [(address, false)], port: 0, transports: [.tcp], copies: 1)) { error in
            XCTAssertEqual((error as? SwnetError)?.errno, Errno(EADDRINUSE))
        }
    }
}
