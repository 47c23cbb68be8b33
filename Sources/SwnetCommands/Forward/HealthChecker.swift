import SwnetCore
import SwnetSocket

/// `--health-check INTERVAL`: on its own thread and event loop, a TCP
/// connect to every backend each interval. `BackendPool.failuresToDown`
/// failures in a row take a backend out; one check that passes puts it
/// back. Changes are reported as events.
final class HealthChecker: @unchecked Sendable {
    private let settings: ForwardSettings
    private let interval: Duration
    private let loop: EventLoop
    private var waker: Waker!
    private var inFlight: [Int: ConnectAttempt] = [:]
    private var lastFailure: [Int: String] = [:]

    init(settings: ForwardSettings, interval: Duration) throws {
        self.settings = settings
        self.interval = interval
        loop = try EventLoop()
        waker = try Waker(on: loop) { [unowned self] in self.loop.stop() }
    }

    /// Runs on its own thread until `requestStop()`.
    func run() {
        checkAll()
        _ = try? loop.run()
        inFlight.values.forEach { $0.cancel() }
    }

    func requestStop() { waker.wake() }

    private func checkAll() {
        for index in settings.pool.backends.indices where inFlight[index] == nil { check(index) }
        loop.schedule(after: interval) { [unowned self] in self.checkAll() }
    }

    private func check(_ index: Int) {
        let address: SocketAddress
        do {
            address = try settings.pool.addresses(index, family: settings.family)[0]
        } catch {
            return record(index, passed: false, why: "\(error)")
        }
        let timeout = min(interval, settings.connectTimeout)
        let timer = loop.schedule(after: timeout) { [unowned self] in
            self.inFlight.removeValue(forKey: index)?.cancel()
            self.record(index, passed: false, why: "connect timed out after \(TimeSpan.format(timeout))")
        }
        inFlight[index] = ConnectAttempt(to: address, from: nil, on: loop) { [unowned self] result in
            timer.cancel()
            self.inFlight[index] = nil
            switch result {
            case .success(let socket):
                socket.close()
                self.record(index, passed: true, why: "a health check passed")
            case .failure(let error):
                self.record(index, passed: false, why: "\(error)")
            }
        }
    }

    private func record(_ index: Int, passed: Bool, why: String) {
        if !passed { lastFailure[index] = why }
        guard let transition = settings.pool.recordCheck(index, passed: passed) else { return }
        let reason = passed ? why : "\(BackendPool.failuresToDown) health checks failed in a row: \(lastFailure[index] ?? why)"
        settings.reportHealth(transition, reason: reason)
    }
}
