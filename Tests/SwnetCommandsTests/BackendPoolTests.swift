@testable import SwnetCommands
import SwnetCore
import XCTest

/// The backend pool: each policy's spread, weights, stickiness, the
/// failover order, limits and health.
final class BackendPoolTests: XCTestCase {
    func specs(_ weights: [Int], maxConnections: Int? = nil) -> [BackendSpec] {
        weights.enumerated().map { BackendSpec(host: "10.0.0.\($0.offset + 1)", port: 80, weight: $0.element, maxConnections: maxConnections) }
    }

    func first(_ selection: BackendPool.Selection) -> Int? {
        if case .candidates(let order) = selection { return order.first }
        return nil
    }

    /// How 300 clients (from 300 addresses) spread over the backends.
    func spread(_ pool: BackendPool, clients: Int = 300) -> [Int] {
        var counts = Array(repeating: 0, count: pool.backends.count)
        for client in 0..<clients {
            if let index = first(pool.select(clientAddress: "192.0.2.\(client % 250).\(client / 250)")) { counts[index] += 1 }
        }
        return counts
    }

    func testRoundRobinIsExactAndHonoursWeights() {
        XCTAssertEqual(spread(BackendPool(specs([1, 1, 1]), policy: .roundRobin)), [100, 100, 100])
        XCTAssertEqual(spread(BackendPool(specs([3, 2, 1]), policy: .roundRobin)), [150, 100, 50])
        // Smooth: the heavy backend's turns are spread out, not bunched.
        let pool = BackendPool(specs([5, 1, 1]), policy: .roundRobin)
        XCTAssertEqual((0..<7).compactMap { _ in first(pool.select(clientAddress: "x")) }, [0, 0, 1, 0, 2, 0, 0])
    }

    func testLeastConnPrefersTheLeastLoadedForItsWeight() {
        let pool = BackendPool(specs([1, 1, 2]), policy: .leastConn)
        for _ in 0..<3 { XCTAssertTrue(pool.acquire(0)) }
        XCTAssertTrue(pool.acquire(1))
        XCTAssertTrue(pool.acquire(2))
        XCTAssertTrue(pool.acquire(2))
        // 3/1, 1/1, 2/2: backend 1 and 2 tie at one per weight, 0 comes last.
        guard case .candidates(let order) = pool.select(clientAddress: "x") else { return XCTFail() }
        XCTAssertEqual(order.last, 0)
        XCTAssertEqual(Set(order.prefix(2)), [1, 2])
        // Without open connections, clients still go in turn.
        XCTAssertEqual(spread(BackendPool(specs([1, 1, 1]), policy: .leastConn)), [100, 100, 100])
    }

    func testSourceHashIsStickyAndSpreads() {
        let pool = BackendPool(specs([1, 1, 1]), policy: .sourceHash)
        let counts = spread(pool)
        XCTAssertEqual(counts.reduce(0, +), 300)
        XCTAssertTrue(counts.allSatisfy { $0 > 60 }, "\(counts)")
        for client in ["192.0.2.1", "2001:db8::5", "198.51.100.77"] {
            let chosen = first(pool.select(clientAddress: client))
            for _ in 0..<20 { XCTAssertEqual(first(pool.select(clientAddress: client)), chosen) }
        }
        // A backend going away moves only its own clients.
        let before = (0..<300).map { first(pool.select(clientAddress: "203.0.113.\($0 % 250).\($0)")) }
        for _ in 0..<BackendPool.failuresToDown { _ = pool.recordCheck(1, passed: false) }
        let after = (0..<300).map { first(pool.select(clientAddress: "203.0.113.\($0 % 250).\($0)")) }
        for (old, new) in zip(before, after) where old != 1 { XCTAssertEqual(old, new) }
        XCTAssertFalse(after.contains(1))
    }

    func testRandomFollowsTheWeights() {
        var state: UInt64 = 42
        let pool = BackendPool(specs([1, 1, 2]), policy: .random) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        let counts = spread(pool, clients: 4000)
        XCTAssertEqual(counts.reduce(0, +), 4000)
        XCTAssertTrue((800...1200).contains(counts[0]) && (800...1200).contains(counts[1]) && (1800...2200).contains(counts[2]), "\(counts)")
    }

    func testFailoverTriesEveryOtherBackendInTurn() {
        let pool = BackendPool(specs([1, 1, 1]), policy: .roundRobin)
        XCTAssertEqual(pool.select(clientAddress: "x"), .candidates([0, 1, 2]))
        XCTAssertEqual(pool.select(clientAddress: "x"), .candidates([1, 2, 0]))
    }

    func testHealthTakesOutAfterThreeFailuresAndBackAfterOnePass() {
        let pool = BackendPool(specs([1, 1]), policy: .roundRobin)
        XCTAssertNil(pool.recordCheck(0, passed: false))
        XCTAssertNil(pool.recordCheck(0, passed: false))
        XCTAssertEqual(pool.recordCheck(0, passed: false), BackendPool.Transition(index: 0, up: false))
        XCTAssertNil(pool.recordCheck(0, passed: false))
        XCTAssertEqual(spread(pool, clients: 10), [0, 10])
        XCTAssertEqual(pool.recordCheck(0, passed: true), BackendPool.Transition(index: 0, up: true))
        XCTAssertNil(pool.recordCheck(0, passed: true))
        XCTAssertEqual(spread(pool, clients: 10), [5, 5])
        // A pass in between starts the count again.
        _ = pool.recordCheck(1, passed: false); _ = pool.recordCheck(1, passed: false)
        _ = pool.recordCheck(1, passed: true)
        XCTAssertNil(pool.recordCheck(1, passed: false))
        for _ in 0..<2 { _ = pool.recordCheck(1, passed: false) }
        for _ in 0..<3 { _ = pool.recordCheck(0, passed: false) }
        XCTAssertEqual(pool.select(clientAddress: "x"), .none("no backend is up"))
    }

    func testMaxConnsPerBackend() {
        let pool = BackendPool(specs([1, 1], maxConnections: 1), policy: .roundRobin)
        XCTAssertTrue(pool.acquire(0))
        XCTAssertFalse(pool.acquire(0))
        XCTAssertEqual(pool.select(clientAddress: "x"), .candidates([1]))
        XCTAssertTrue(pool.acquire(1))
        XCTAssertEqual(pool.select(clientAddress: "x"), .none("every backend that is up is at its max-conns"))
        pool.release(0)
        XCTAssertEqual(pool.select(clientAddress: "x"), .candidates([0]))
        XCTAssertEqual(pool.activeConnections, [0, 1])
    }

    func testBackendArguments() throws {
        XCTAssertEqual(try BackendSpec.parse("127.0.0.1:8080", transport: .tcp), BackendSpec(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(try BackendSpec.parse("[::1]:80,weight=3,max-conns=50", transport: .tcp),
                       BackendSpec(host: "::1", port: 80, weight: 3, maxConnections: 50))
        XCTAssertEqual(try BackendSpec.parse("localhost:http", transport: .tcp).port, 80)
        for (bad, reason) in [("localhost", "has no port"), ("h:0", "port 0"), ("h:1,weight=0", "weight must be"),
                              ("h:1,weight", "is not NAME=NUMBER"), ("h:1,speed=3", "unknown setting"), ("h:70000", "out of range")] {
            XCTAssertThrowsError(try BackendSpec.parse(bad, transport: .tcp), bad) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(bad): \(error)")
                XCTAssertEqual((error as? SwnetError)?.code, .usage)
            }
        }
    }
}
