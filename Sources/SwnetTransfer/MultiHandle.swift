import CCurl
import SwnetCore

/// The sole owner of one libcurl multi handle: it runs several easy
/// handles at once on the calling thread.
///
/// Every transfer added here draws on the multi handle's one connection
/// cache and DNS cache, so several URLs on one server reuse a connection
/// (one after another, or side by side over HTTP/2); a share handle adds the
/// TLS session cache, so a second connection to the same server resumes the
/// first one's session instead of a full handshake.
public final class MultiHandle {
    private let multi: UnsafeMutableRawPointer
    private let share: UnsafeMutableRawPointer
    /// The transfers running now: a handful, so a list. (A dictionary's
    /// first use costs a small http-get's start-up more than the searches:
    /// the runtime looks up the key's Hashable conformance.)
    private var running: [EasyHandle] = []

    /// A transfer that ended: the handle, and why it ended (nil: it completed).
    public struct Completion {
        public let handle: EasyHandle
        /// The failure in the user's words, classified by the exit-code table.
        public let error: SwnetError?
        /// libcurl's own code, for the few callers that must tell failures
        /// of the same class apart (too many redirects, a refused range).
        public let code: CURLcode

        /// A transfer the caller ended itself (after `remove`), for its own reason.
        public init(handle: EasyHandle, error: SwnetError?, code: CURLcode) {
            self.handle = handle
            self.error = error
            self.code = code
        }
    }

    public init() throws {
        _ = Curl.initialized
        guard let multi = curl_multi_init() else { throw SwnetError(.failure, "curl_multi_init failed") }
        guard let share = curl_share_init() else {
            curl_multi_cleanup(multi)
            throw SwnetError(.failure, "curl_share_init failed")
        }
        self.multi = multi
        self.share = share
        // One thread uses the share, so it needs no lock callbacks.
        for data in [CURL_LOCK_DATA_SSL_SESSION, CURL_LOCK_DATA_DNS] {
            let status = swnet_curl_share_set_long(share, CURLSHOPT_SHARE, Int(data.rawValue))
            if status != CURLSHE_OK { throw SwnetError(.failure, String(cString: curl_share_strerror(status))).adding("curl_share_setopt") }
        }
    }

    deinit {
        for easy in running {
            curl_multi_remove_handle(multi, easy.handle)
            _ = try? easy.set(CURLOPT_SHARE, pointer: nil)
        }
        curl_multi_cleanup(multi)
        curl_share_cleanup(share)
    }

    /// How many transfers are running.
    public var count: Int { running.count }

    /// Starts `easy`; it runs during `run(timeout:)` until it is reported done.
    /// An easy handle may be added again once it has been reported done.
    public func add(_ easy: EasyHandle) throws {
        try easy.set(CURLOPT_SHARE, pointer: share)
        try check(curl_multi_add_handle(multi, easy.handle))
        running.append(easy)
    }

    /// Stops `easy` before its end (it is not reported done).
    public func remove(_ easy: EasyHandle) {
        guard let slot = running.firstIndex(where: { $0 === easy }) else { return }
        running.remove(at: slot)
        curl_multi_remove_handle(multi, easy.handle)
        _ = try? easy.set(CURLOPT_SHARE, pointer: nil)
    }

    /// Moves every transfer forward, waiting at most `timeout` for the
    /// network when nothing is ready, and returns those that ended; each is
    /// removed from this multi handle before it is returned. With no
    /// transfer running, it just waits `timeout`.
    ///
    /// The corresponding C functions are `curl_multi_perform`,
    /// `curl_multi_poll` and `curl_multi_info_read`.
    public func run(timeout: Duration) throws -> [Completion] {
        var active: Int32 = 0
        try check(curl_multi_perform(multi, &active))
        var done = completions()
        if done.isEmpty {
            var ready: Int32 = 0
            let milliseconds = Int32(clamping: Int64(max(0, timeout.milliseconds.rounded(.up))))
            try check(curl_multi_poll(multi, nil, 0, milliseconds, &ready))
            try check(curl_multi_perform(multi, &active))
            done = completions()
        }
        return done
    }

    private func completions() -> [Completion] {
        var done: [Completion] = []
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let raw = message.pointee.easy_handle,
                  let slot = running.firstIndex(where: { $0.handle == raw })
            else { continue }
            let easy = running.remove(at: slot)
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, raw)
            _ = try? easy.set(CURLOPT_SHARE, pointer: nil)
            done.append(Completion(handle: easy, error: code == CURLE_OK ? nil : easy.failure(code), code: code))
        }
        return done
    }

    private func check(_ code: CURLMcode) throws {
        if code != CURLM_OK { throw SwnetError(.failure, String(cString: curl_multi_strerror(code))).adding("curl_multi") }
    }
}
