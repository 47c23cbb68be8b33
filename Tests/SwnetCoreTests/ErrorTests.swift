import Glibc
import XCTest
@testable import SwnetCore

final class SwnetErrorTests: XCTestCase {
    func testContextIsPrependedLayerByLayer() {
        let error = SwnetError(.unreachable, "connection refused").adding("127.0.0.1:7/tcp").adding("connect")
        XCTAssertEqual(error.description, "connect: 127.0.0.1:7/tcp: connection refused")
        XCTAssertEqual(error.context, ["connect", "127.0.0.1:7/tcp"])
        XCTAssertEqual(error.reason, "connection refused")
        XCTAssertEqual(error.code, .unreachable)
        XCTAssertNil(error.errno)
    }

    func testNoContext() {
        XCTAssertEqual(SwnetError(.failure, "it broke").description, "it broke")
    }

    func testAddingDoesNotChangeOriginal() {
        let inner = SwnetError(.timeout, "timed out")
        _ = inner.adding("outer")
        XCTAssertEqual(inner.description, "timed out")
    }

    func testReclassified() {
        let error = SwnetError(.unreachable, "connection refused").adding("127.0.0.1:5432/tcp")
        let again = error.reclassified(.timeout)
        XCTAssertEqual(again.code, .timeout)
        XCTAssertEqual(again.description, "127.0.0.1:5432/tcp: connection refused")
        XCTAssertEqual(error.code, .unreachable)
    }

    func testFromErrno() {
        let error = SwnetError(Errno(ECONNREFUSED))
        XCTAssertEqual(error.code, .unreachable)
        XCTAssertEqual(error.reason, "connection refused")
        XCTAssertEqual(error.errno, Errno(ECONNREFUSED))
        XCTAssertEqual(error.adding("connect").description, "connect: connection refused")
        XCTAssertEqual(SwnetError(Errno(ETIMEDOUT)).code, .timeout)
        XCTAssertEqual(SwnetError(Errno(EADDRINUSE)).code, .local)
    }

    func testUsage() {
        let error = SwnetError.usage("bad option")
        XCTAssertEqual(error.code, .usage)
        XCTAssertEqual(error.description, "bad option")
    }

    func testContextHelper() throws {
        XCTAssertEqual(try SwnetError.context("outer") { 5 }, 5)
        XCTAssertThrowsError(try SwnetError.context("connect") {
            try SwnetError.context("127.0.0.1:7/tcp") { throw SwnetError(Errno(ECONNREFUSED)) }
        }) { error in
            let error = error as? SwnetError
            XCTAssertEqual(error?.description, "connect: 127.0.0.1:7/tcp: connection refused")
            XCTAssertEqual(error?.code, .unreachable)
        }
    }
}

final class ErrnoTests: XCTestCase {
    func testExitCodeClassification() {
        XCTAssertEqual(Errno(ECONNREFUSED).exitCode, .unreachable)
        XCTAssertEqual(Errno(EHOSTUNREACH).exitCode, .unreachable)
        XCTAssertEqual(Errno(ENETUNREACH).exitCode, .unreachable)
        XCTAssertEqual(Errno(ETIMEDOUT).exitCode, .timeout)
        XCTAssertEqual(Errno(EADDRINUSE).exitCode, .local)
        XCTAssertEqual(Errno(EACCES).exitCode, .local)
        XCTAssertEqual(Errno(ENOENT).exitCode, .local)
        XCTAssertEqual(Errno(ECONNRESET).exitCode, .failure)
        XCTAssertEqual(Errno(EPIPE).exitCode, .failure)
    }

    func testDescriptionIsLowerCased() {
        XCTAssertEqual(Errno(ECONNREFUSED).description, "connection refused")
        XCTAssertEqual(Errno(ETIMEDOUT).description, "connection timed out")
        XCTAssertEqual(Errno(EADDRINUSE).description, "address already in use")
        XCTAssertEqual(Errno(EPIPE).description, "broken pipe")
    }

    func testIsConnectionRefused() {
        XCTAssertTrue(Errno(ECONNREFUSED).isConnectionRefused)
        XCTAssertFalse(Errno(ETIMEDOUT).isConnectionRefused)
    }
}

final class ExitCodeTests: XCTestCase {
    func testRawValuesMatchTheDesignTable() {
        let table: [(ExitCode, Int32)] = [
            (.success, 0), (.failure, 1), (.usage, 2), (.resolve, 3), (.unreachable, 4), (.timeout, 5),
            (.tls, 6), (.auth, 7), (.serverError, 8), (.partial, 9), (.local, 10), (.interrupted, 130),
        ]
        for (code, raw) in table {
            XCTAssertEqual(code.rawValue, raw, "\(code)")
        }
        XCTAssertEqual(ExitCode.allCases.count, table.count)
        XCTAssertEqual(Set(ExitCode.allCases.map(\.rawValue)).count, ExitCode.allCases.count)
    }

    func testKinds() {
        XCTAssertEqual(ExitCode.usage.kind, "usage")
        XCTAssertEqual(ExitCode.unreachable.kind, "connect")
        XCTAssertEqual(ExitCode.timeout.kind, "timeout")
        XCTAssertEqual(ExitCode.resolve.kind, "resolve")
        XCTAssertEqual(Set(ExitCode.allCases.map(\.kind)).count, ExitCode.allCases.count, "kinds are distinct")
        for code in ExitCode.allCases {
            XCTAssertFalse(code.meaning.isEmpty)
        }
    }
}
