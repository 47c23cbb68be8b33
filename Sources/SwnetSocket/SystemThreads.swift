import CSwnetLinux
import Glibc
import SwnetCore

/// A POSIX thread running one closure; `join()` waits for it.
public final class SystemThread {
    private var thread = pthread_t()

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// The corresponding C function is `pthread_create`.
    public init(_ body: @escaping () -> Void) throws {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SwnetError(Errno(status)).adding("pthread_create")
        }
    }

    /// Runs `body` on a thread nobody waits for: its resources go when it ends.
    /// The corresponding C function is `pthread_detach`.
    public static func detached(_ body: @escaping () -> Void) throws {
        pthread_detach(try SystemThread(body).thread)
    }

    /// The cores online, the default number of worker threads.
    public static var processorCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The corresponding C function is `pthread_join`.
    public func join() { pthread_join(thread, nil) }
}

/// A count shared by threads, such as the open connections of a server.
public final class SharedCounter: @unchecked Sendable {
    private let storage = UnsafeMutablePointer<Int>.allocate(capacity: 1)

    public init() { storage.initialize(to: 0) }
    deinit { storage.deallocate() }

    /// Adds `delta` and returns the new value.
    @discardableResult
    public func add(_ delta: Int) -> Int { swnet_atomic_add(storage, delta) }

    public var value: Int { swnet_atomic_load(storage) }
}

/// The open-files limit.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit and returns it: a server
    /// holding many connections should not stop at the default 1024.
    /// The corresponding C functions are `getrlimit` and `setrlimit`.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}
