import CSwnetLinux
import Glibc
import SwnetCore

/// What a descriptor is waiting for, or is ready for.
public struct Interest: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let readable = Interest(rawValue: EPOLLIN.rawValue)
    public static let writable = Interest(rawValue: EPOLLOUT.rawValue)
    /// The peer shut down its sending side (EPOLLRDHUP). Ask for it only
    /// together with `.readable`: it stays set, and alone it would wake the
    /// loop for ever.
    public static let peerClosed = Interest(rawValue: EPOLLRDHUP.rawValue)
    /// Edge-triggered (EPOLLET): readiness is announced when it arrives,
    /// not for as long as it lasts, so the handler must read or write until
    /// the call would block, and a descriptor with nothing to move needs no
    /// change of interest. In the `ready` a handler is given, this flag
    /// means the descriptor is in error or hung up.
    public static let edgeTriggered = Interest(rawValue: EPOLLET.rawValue)

    /// A stream socket registered once for its whole life, as nginx does:
    /// readable, writable and the peer's FIN, edge-triggered. Each edge
    /// wakes the loop once, so watching for room costs nothing until a
    /// write has filled the socket, and no interest ever changes.
    public static let streamEdges: Interest = [.readable, .writable, .peerClosed, .edgeTriggered]
}

/// A single-threaded epoll loop with timers.
///
/// Descriptors that epoll refuses (regular files, /dev/null) are accepted
/// too and treated as always ready, so a relay can read `< file` the same
/// way it reads a pipe.
public final class EventLoop {
    public typealias Handler = (Interest) throws -> Void

    /// What epoll knows of a descriptor.
    private struct Registration {
        var interest: Interest
        var pollable: Bool
        /// Readiness a parked descriptor's last handler left for the next one.
        var leftover: Interest = []
    }

    private let epoll: Int32
    /// Indexed by descriptor: the kernel hands out the lowest free numbers,
    /// so the arrays stay as small as the highest descriptor in use, and a
    /// ready event finds its handler without hashing. The handlers are kept
    /// apart, so that changing an interest never copies a closure.
    private var registrations: [Registration?] = []
    /// nil for a parked descriptor: registered, waiting for its next watcher.
    private var handlers: [Handler?] = []
    /// Descriptors epoll refused (regular files, /dev/null): always ready.
    private var alwaysReady: Set<Int32> = []
    /// Parked descriptors taken over with readiness left: their new handlers run before the next wait.
    private var handedOver: [Int32] = []
    private var timers = TimerQueue()
    private var running = false

    public init() throws {
        epoll = try syscallValue("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    deinit { _ = try? syscall("close", retryOnInterrupt: false) { Glibc.close(epoll) } }

    /// Starts watching `fd`; `handler` runs when it is ready for part of `interest`.
    /// A parked descriptor keeps its registration: one MOD, or nothing when
    /// the interest is the same. Then no new event re-announces what the
    /// last handler left (an edge is announced once), so the loop hands it
    /// to `handler` itself before it waits again.
    public func watch(_ fd: Int32, for interest: Interest, handler: @escaping Handler) throws {
        let parked = registration(of: fd)
        precondition(parked == nil || handlers[Int(fd)] == nil, "descriptor \(fd) watched twice")
        if Int(fd) >= registrations.count {
            registrations += repeatElement(nil, count: Int(fd) + 1 - registrations.count)
            handlers += repeatElement(nil, count: Int(fd) + 1 - handlers.count)
        }
        var registration = parked ?? Registration(interest: [], pollable: true)
        if registration.interest == interest && !registration.leftover.isEmpty {
            handedOver.append(fd)
        } else {
            registration.leftover = []                  // a MOD has epoll announce the state again
        }
        registrations[Int(fd)] = registration
        handlers[Int(fd)] = handler
        do {
            try update(fd, to: interest)
        } catch {
            registrations[Int(fd)] = nil
            handlers[Int(fd)] = nil
            throw error
        }
    }

    /// Changes what `fd` waits for; nothing (the empty set) pauses it.
    ///
    /// A paused descriptor is not in epoll at all: registered with nothing
    /// to wait for, epoll would still report hang-ups and errors on every
    /// wait, a busy loop. So a watch that starts paused costs no system call
    /// until it first waits for something.
    public func update(_ fd: Int32, to interest: Interest) throws {
        guard var registration = registration(of: fd), registration.interest != interest else { return }
        let wasPaused = registration.interest.isEmpty
        registration.interest = interest
        registrations[Int(fd)] = registration
        guard registration.pollable else { return }
        if interest.isEmpty {
            try control(EPOLL_CTL_DEL, fd, [])
        } else if !wasPaused {
            try control(EPOLL_CTL_MOD, fd, interest)
        } else {
            do {
                try control(EPOLL_CTL_ADD, fd, interest)
            } catch let error as SwnetError where error.errno == Errno(EPERM) {
                registration.pollable = false
                registrations[Int(fd)] = registration
                alwaysReady.insert(fd)
            }
        }
    }

    /// Stops calling a handler for `fd` but leaves it registered in epoll,
    /// for the next `watch` of it to take over: a connect handing its socket
    /// to a tunnel then costs one MOD where unwatching and watching again
    /// cost a DEL and an ADD. Watch it, or `forget` it before it is closed,
    /// before the loop waits again; a parked descriptor reported ready all
    /// the same is unwatched then, never spun on. `leaving` is the
    /// readiness the handler was given and did not use (the first bytes of
    /// a server that answered as the connect completed).
    public func park(_ fd: Int32, leaving: Interest = []) {
        guard var registration = registration(of: fd) else { return }
        registration.leftover = leaving
        registrations[Int(fd)] = registration
        handlers[Int(fd)] = nil
    }

    /// Stops watching `fd`. Call it before the descriptor is closed.
    public func unwatch(_ fd: Int32) {
        guard let registration = registration(of: fd) else { return }
        registrations[Int(fd)] = nil
        handlers[Int(fd)] = nil
        alwaysReady.remove(fd)
        if registration.pollable && !registration.interest.isEmpty { try? control(EPOLL_CTL_DEL, fd, []) }
    }

    /// Stops watching `fd` that its owner closes next, before the loop
    /// waits again: close(2) takes a descriptor out of epoll, so no
    /// epoll_ctl is spent. Only for descriptors nothing else holds (ours
    /// are close-on-exec and never duplicated); otherwise use `unwatch`.
    public func forget(_ fd: Int32) {
        guard registration(of: fd) != nil else { return }
        registrations[Int(fd)] = nil
        handlers[Int(fd)] = nil
        alwaysReady.remove(fd)
    }

    private func registration(of fd: Int32) -> Registration? {
        fd >= 0 && Int(fd) < registrations.count ? registrations[Int(fd)] : nil
    }

    /// The corresponding C function is `epoll_ctl`.
    private func control(_ operation: Int32, _ fd: Int32, _ interest: Interest) throws {
        var event = epoll_event(events: interest.rawValue, data: epoll_data_t(fd: fd))
        try syscallValue("epoll_ctl") { epoll_ctl(epoll, operation, fd, &event) }
    }

    /// Runs `action` once, `delay` from now, unless cancelled first.
    @discardableResult
    public func schedule(after delay: Duration, _ action: @escaping () throws -> Void) -> LoopTimer {
        let timer = LoopTimer(deadline: .now + delay, action: action)
        timers.insert(timer)
        return timer
    }

    /// Dispatches readiness and timers until `stop()`. A handler's error
    /// stops the loop and is thrown from here.
    public func run() throws {
        running = true
        defer { running = false }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while running {
            try fireDueTimers()
            try deliverHandedOver()
            guard running else { break }

            let readyFiles = alwaysReady.isEmpty ? [] : alwaysReady.filter { registration(of: $0)?.interest.isEmpty == false }
            let timeout: Int32 = readyFiles.isEmpty && handedOver.isEmpty ? timers.millisecondsUntilNext() : 0
            let count = try events.withUnsafeMutableBufferPointer { buffer in
                try syscallValue("epoll_wait") { epoll_wait(epoll, buffer.baseAddress, Int32(buffer.count), timeout) }
            }
            for index in 0..<Int(count) where running {
                let fd = events[index].data.fd
                guard let interest = registration(of: fd)?.interest else { continue }
                var ready = Interest(rawValue: events[index].events & (EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue))
                if events[index].events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 {
                    // Let the handler's next call meet the error or end-of-file.
                    ready = interest
                }
                ready.formIntersection(interest)
                guard let handler = handlers[Int(fd)] else {
                    unwatch(fd)                                 // parked, and nobody took it over
                    continue
                }
                if !ready.isEmpty { try handler(ready) }
            }
            for fd in readyFiles where running {
                if let interest = registration(of: fd)?.interest, !interest.isEmpty, let handler = handlers[Int(fd)] { try handler(interest) }
            }
        }
    }

    public func stop() { running = false }

    /// Runs the loop for `duration`, then returns: a pause that keeps
    /// serving whatever else is watched.
    public func pause(for duration: Duration) throws {
        let timer = schedule(after: duration) { [unowned self] in self.stop() }
        defer { timer.cancel() }
        try run()
    }

    private func deliverHandedOver() throws {
        while running, !handedOver.isEmpty {
            let fd = handedOver.removeFirst()
            guard var registration = registration(of: fd), let handler = handlers[Int(fd)] else { continue }
            let ready = registration.leftover.intersection(registration.interest)
            registration.leftover = []
            registrations[Int(fd)] = registration
            if !ready.isEmpty { try handler(ready) }
        }
    }

    private func fireDueTimers() throws {
        let now = MonotonicClock.now
        while running, let timer = timers.popDue(at: now) {
            try timer.take()?()
        }
    }
}

/// A scheduled action; `cancel()` makes it never run.
///
/// The action is let go as soon as it has run or is cancelled: it often
/// captures the loop or the timer's owner, and a cancelled timer stays in
/// the queue until its deadline, so keeping the action would hold a cycle.
public final class LoopTimer {
    let deadline: MonotonicClock.Instant
    private var action: (() throws -> Void)?
    var cancelled: Bool { action == nil }

    init(deadline: MonotonicClock.Instant, action: @escaping () throws -> Void) {
        self.deadline = deadline
        self.action = action
    }

    public func cancel() { action = nil }

    /// The action, once: the timer is then spent.
    fileprivate func take() -> (() throws -> Void)? {
        defer { action = nil }
        return action
    }
}

/// Timers ordered by deadline: a binary min-heap, so thousands of idle
/// timers cost log n each. Cancelled timers are dropped when they surface,
/// and swept out whenever the heap has doubled since the last sweep: a
/// forwarder cancels a 5-minute idle timer for every short connection, and
/// at thousands a second those would otherwise pile up for minutes.
struct TimerQueue {
    private var heap: [LoopTimer] = []
    private var sweepAt = 1024

    /// Timers held, cancelled ones included.
    var count: Int { heap.count }

    mutating func insert(_ timer: LoopTimer) {
        if heap.count >= sweepAt { sweep() }
        heap.append(timer)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest live timer if it is due at `now`.
    mutating func popDue(at now: MonotonicClock.Instant) -> LoopTimer? {
        dropCancelled()
        guard let first = heap.first, first.deadline <= now else { return nil }
        removeFirst()
        return first
    }

    /// How long epoll may sleep: -1 without timers, rounded up to whole ms.
    mutating func millisecondsUntilNext() -> Int32 {
        dropCancelled()
        guard let first = heap.first else { return -1 }
        let wait = (first.deadline - .now).milliseconds
        return wait <= 0 ? 0 : Int32(min(wait.rounded(.up), Double(Int32.max)))
    }

    /// Drops every cancelled timer and restores the heap order (Floyd's
    /// bottom-up build, linear in the count): amortised O(1) per insert.
    private mutating func sweep() {
        heap.removeAll { $0.cancelled }
        for parent in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(from: parent) }
        sweepAt = max(1024, 2 * heap.count)
    }

    private mutating func dropCancelled() {
        while let first = heap.first, first.cancelled { removeFirst() }
    }

    private mutating func removeFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(from: 0)
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
