import Glibc
import SwnetCore
import SwnetSocket
import SwnetTLS

/// One target of tls-info: connect, STARTTLS when asked, handshake, and
/// what the handshake showed. Verification is recorded, not enforced, so
/// a chain that fails is still shown; the pin alone stops a handshake.
struct TLSProbe {
    /// A target as given: `host:port`, or `host` for the default port.
    struct Target {
        let text: String
        let host: String
        let port: UInt16

        init(_ text: String, defaultPort: UInt16) throws {
            guard let (host, port) = Endpoint.split(text) else {
                throw SwnetError.usage("'\(text)' is not a target: write HOST:PORT, [IPv6]:PORT or HOST")
            }
            self.text = text
            self.host = host
            self.port = try port.map { try Endpoint(host: host, port: $0).portNumber(for: .tcp) } ?? defaultPort
        }
    }

    let context: TLSContext
    let startTLS: StartTLSProtocol?
    let family: AddressFamily?
    /// For connecting, STARTTLS and the handshake together.
    let timeout: Duration
    let trace: ((_ sent: Bool, _ bytes: [UInt8]) -> Void)?

    func run(_ target: Target) throws -> TLSReport {
        let deadline = MonotonicClock.now + timeout
        let addresses = try Resolver.resolve(target.host, port: target.port, family: family, transport: .tcp)
        let loop = try EventLoop()
        let connection = try HappyEyeballs.connect(to: addresses, timeout: timeout, on: loop)
        defer { connection.socket.close() }
        return try SwnetError.context("\(connection.address)/tcp") {
            if let startTLS {
                try TLSClient.startTLS(startTLS, on: connection.socket, until: deadline, limit: timeout, trace: trace)
            }
            let session = try TLSSession(context: context, descriptor: connection.socket.descriptor, host: target.host)
            defer { session.close() }
            session.requestOCSPStapling()
            do {
                try session.handshake(on: loop, timeout: max(.milliseconds(1), deadline - .now))
            } catch let error as SwnetError where error.code == .timeout {
                // Told in terms of the option, not of what was left of it.
                throw SwnetError(.timeout, "the TLS handshake did not finish within \(TimeSpan.format(timeout)) (--connect-timeout)")
            }
            return TLSReport(target: target, address: connection.address, startTLS: startTLS, info: session.info,
                             verifiedName: session.verifiedName, chain: session.chainSummary, ocsp: session.ocspStaple,
                             checkedAt: Int(time(nil)))
        }
    }

    /// Probes every target, at most `concurrency` at once (each on its own
    /// thread with its own event loop), and returns the outcomes in the
    /// order of `targets`.
    func runAll(_ targets: [Target], concurrency: Int) throws -> [Result<TLSReport, SwnetError>] {
        let outcomes = UnsafeMutableBufferPointer<Result<TLSReport, SwnetError>>.allocate(capacity: targets.count)
        defer { outcomes.deallocate() }
        let next = SharedCounter()
        let work = {
            while case let index = next.add(1) - 1, index < targets.count {
                do {
                    (outcomes.baseAddress! + index).initialize(to: .success(try run(targets[index])))
                } catch let error as SwnetError {
                    (outcomes.baseAddress! + index).initialize(to: .failure(error))
                } catch {
                    (outcomes.baseAddress! + index).initialize(to: .failure(SwnetError(.failure, "\(error)")))
                }
            }
        }
        // The threads that did start take every target between them.
        var threads: [SystemThread] = []
        for _ in 0..<min(concurrency, targets.count) {
            do { threads.append(try SystemThread(work)) } catch { if threads.isEmpty { throw error } else { break } }
        }
        threads.forEach { $0.join() }
        defer { _ = outcomes.deinitialize() }
        return Array(outcomes)
    }
}
