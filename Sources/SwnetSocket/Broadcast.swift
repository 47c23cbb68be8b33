import SwnetCore

/// `listen -k --broadcast`: stdin goes to every connected client and what
/// each client sends goes to stdout (ncat's `-k` chat).
///
/// Memory stays bounded: a chunk of stdin is read only once every client
/// has taken the previous one, so a client that does not read holds stdin
/// back instead of filling memory; clients are read only while stdout has
/// room. Every client is sent from the one chunk buffer, each with its own
/// offset into it, so nothing is copied or allocated per chunk. Chunks
/// from different clients are written whole, never mixed.
/// When stdin ends, every client is half-closed, and so is each one that
/// connects later.
public final class Broadcast {
    /// One connected client.
    private final class Member {
        let stream: ByteStream
        let peer: String
        /// How much of the current chunk this client has been sent.
        var taken: Int
        var shutDown = false
        var sent = 0
        var received = 0
        let started = MonotonicClock.now
        let onEnd: (Result<RelaySummary, SwnetError>) -> Void

        init(stream: ByteStream, peer: String, taken: Int, onEnd: @escaping (Result<RelaySummary, SwnetError>) -> Void) {
            self.stream = stream
            self.peer = peer
            self.taken = taken
            self.onEnd = onEnd
        }
    }

    private let loop: EventLoop
    private let input: Int32
    private let trace: ((_ sent: Bool, UnsafeRawBufferPointer) -> Void)?
    private let chunk: ByteBuffer
    private var downstream: PendingOutput!
    private var members: [Int32: Member] = [:]
    private var inputOpen = true

    /// `output` nil counts what clients send without writing it (`--json`).
    public init(input: Int32 = 0, output: Int32? = 1, bufferSize: Int = 64 * 1024, loop: EventLoop,
                trace: ((_ sent: Bool, UnsafeRawBufferPointer) -> Void)? = nil) throws {
        self.loop = loop
        self.input = input
        self.trace = trace
        chunk = ByteBuffer(capacity: bufferSize)
        downstream = try PendingOutput(descriptor: output, capacity: bufferSize, loop: loop) { [unowned self] in try self.update() }
        if StdioMode.makeNonBlocking(input) {
            try loop.watch(input, for: []) { [unowned self] _ in try self.readInput() ; try self.update() }
        } else {
            inputOpen = false
        }
    }

    /// The clients connected now.
    public var count: Int { members.count }

    /// Adds a client; `onEnd` comes once, when it has closed or failed.
    public func add(_ stream: ByteStream, peer: String, onEnd: @escaping (Result<RelaySummary, SwnetError>) -> Void) throws {
        // A client joining mid-chunk starts with the next one.
        let member = Member(stream: stream, peer: peer, taken: chunk.count, onEnd: onEnd)
        members[stream.descriptor] = member
        try loop.watch(stream.descriptor, for: []) { [unowned self, unowned member] ready in
            do {
                if !ready.isDisjoint(with: member.stream.writeInterest) { try self.writeMember(member) }
                if !ready.isDisjoint(with: member.stream.readInterest) { try self.readMember(member) }
            } catch let error as SwnetError {
                self.remove(member, failure: error)
            }
            try self.update()
        }
        if !inputOpen { try shutDown(member) }
        try update()
    }

    /// Closes every client's session (the server stops) and lets go of stdin and stdout.
    public func stop() {
        for member in Array(members.values) { remove(member) }
        loop.unwatch(input)
        downstream.stop()
        StdioMode.restore()
    }

    private func readInput() throws {
        guard inputOpen, !members.isEmpty, everyoneTookIt else { return }
        chunk.removeAll()
        for member in members.values { member.taken = 0 }
        guard case .done(let count) = try SwnetError.context("stdin", { try Descriptor.read(input, into: chunk.space()) }) else { return }
        if count == 0 {
            inputOpen = false                                   // stdin ended: half-close everyone
            for member in Array(members.values) { try? shutDown(member) }
            return
        }
        chunk.appended(count)
        for member in Array(members.values) {                   // stdin -> every client
            do { try writeMember(member) } catch let error as SwnetError {
                remove(member, failure: error)
            }
        }
    }

    private func writeMember(_ member: Member) throws {
        if member.stream.hasPendingOutput { try SwnetError.context(member.peer) { try member.stream.flush() } }
        guard hasPending(member) else { return }
        let rest = UnsafeRawBufferPointer(rebasing: chunk.pending[member.taken...])
        let result = try SwnetError.context(member.peer) { try member.stream.write(from: rest) }
        guard case .done(let count) = result else { return }
        trace?(true, UnsafeRawBufferPointer(rebasing: rest[..<count]))
        member.taken += count
        member.sent += count
        if !hasPending(member) && !inputOpen { try shutDown(member) }
    }

    private func readMember(_ member: Member) throws {
        guard downstream.isEmpty else { return }
        let target = downstream.space()
        guard case .done(let count) = try SwnetError.context(member.peer, { try member.stream.read(into: target) }) else { return }
        if count == 0 { return remove(member) }   // the client closed
        member.received += count
        trace?(false, UnsafeRawBufferPointer(rebasing: target[..<count]))
        try downstream.appended(count)                          // a client -> stdout
    }

    private func shutDown(_ member: Member) throws {
        guard !member.shutDown, !hasPending(member) else { return }
        member.shutDown = true
        try? SwnetError.context(member.peer) { try member.stream.shutdownWrite() }
    }

    /// Ends a client's session; a reset or broken pipe is the client going
    /// away, which ends it normally.
    private func remove(_ member: Member, failure: SwnetError? = nil) {
        guard members.removeValue(forKey: member.stream.descriptor) != nil else { return }
        loop.unwatch(member.stream.descriptor)
        let summary = RelaySummary(bytesSent: member.sent, bytesReceived: member.received, duration: .now - member.started, end: .peerClosed)
        if let failure, failure.errno?.meansPeerClosed != true {
            member.onEnd(.failure(failure))
        } else {
            member.onEnd(.success(summary))
        }
    }

    private func hasPending(_ member: Member) -> Bool { member.taken < chunk.count }

    private var everyoneTookIt: Bool { members.values.allSatisfy { !hasPending($0) } }

    /// Sets what each descriptor waits for.
    private func update() throws {
        if inputOpen { try loop.update(input, to: everyoneTookIt && !members.isEmpty ? .readable : []) }
        try downstream.update()
        for member in members.values {
            var interest: Interest = []
            if downstream.isEmpty { interest.formUnion(member.stream.readInterest) }
            if hasPending(member) || member.stream.hasPendingOutput { interest.formUnion(member.stream.writeInterest) }
            try loop.update(member.stream.descriptor, to: interest)
        }
    }
}
