import CCurl
import SwnetCore

/// The sole owner of one libcurl easy handle, with its callbacks.
///
/// Callbacks are closures set once; libcurl calls them through C function
/// pointers that receive this object unretained, and hands them its own
/// buffers: no allocation per chunk.
public final class EasyHandle {
    let handle: UnsafeMutableRawPointer
    /// Lists (headers, recipients) libcurl reads during the transfer; freed with the handle.
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    /// A chunk of the body arrived; false stops the transfer (a local write error).
    public var onBody: ((UnsafeRawBufferPointer) -> Bool)?
    /// A header line arrived, with its CRLF.
    public var onHeader: ((UnsafeRawBufferPointer) -> Void)?
    /// Fill the buffer with upload data; return the count, 0 at the end.
    public var onRead: ((UnsafeMutableRawBufferPointer) -> Int)?
    /// Progress: (expected download total or 0, downloaded); false aborts.
    public var onProgress: ((Int64, Int64) -> Bool)?
    /// Protocol traffic for a transcript: what kind, and the bytes.
    public var onDebug: ((curl_infotype, UnsafeRawBufferPointer) -> Void)?

    public init() throws {
        _ = Curl.initialized
        guard let handle = curl_easy_init() else { throw SwnetError(.failure, "curl_easy_init failed") }
        self.handle = handle
        errorBuffer.initialize(to: 0)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_WRITEDATA, pointer: context)
        try set(CURLOPT_HEADERDATA, pointer: context)
        try set(CURLOPT_READDATA, pointer: context)
        try set(CURLOPT_XFERINFODATA, pointer: context)
        try set(CURLOPT_DEBUGDATA, pointer: context)
        try check(swnet_curl_set_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let easy = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            return easy.onBody?(bytes) ?? true ? bytes.count : 0
        })
        try check(swnet_curl_set_data_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let easy = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            easy.onHeader?(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        })
        try check(swnet_curl_set_data_callback(handle, CURLOPT_READFUNCTION) { data, size, count, context in
            let easy = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            return easy.onRead?(UnsafeMutableRawBufferPointer(start: data, count: size * count)) ?? 0
        })
        try check(swnet_curl_set_progress_callback(handle) { context, total, now, _, _ in
            let easy = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            return easy.onProgress?(Int64(total), Int64(now)) ?? true ? 0 : 1
        })
        try check(swnet_curl_set_debug_callback(handle) { _, type, data, size, context in
            let easy = Unmanaged<EasyHandle>.fromOpaque(context!).takeUnretainedValue()
            easy.onDebug?(type, UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
    }

    deinit {
        curl_easy_cleanup(handle)
        lists.forEach { curl_slist_free_all($0) }
        errorBuffer.deallocate()
    }

    // MARK: Options

    public func set(_ option: CURLoption, _ value: Int) throws {
        try check(swnet_curl_set_long(handle, option, value))
    }

    public func set(_ option: CURLoption, _ value: Bool) throws {
        try set(option, value ? 1 : 0)
    }

    public func set(_ option: CURLoption, offset value: Int64) throws {
        try check(swnet_curl_set_offset(handle, option, curl_off_t(value)))
    }

    /// libcurl copies the string.
    public func set(_ option: CURLoption, _ value: String) throws {
        try check(swnet_curl_set_string(handle, option, value))
    }

    public func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws {
        try check(swnet_curl_set_pointer(handle, option, value))
    }

    /// A list option (headers, recipients); the list lives as long as the handle.
    public func set(_ option: CURLoption, list: [String]) throws {
        var head: UnsafeMutablePointer<curl_slist>?
        for item in list { head = curl_slist_append(head, item) }
        if let head { lists.append(head) }
        try set(option, pointer: UnsafeMutableRawPointer(head))
    }

    /// Turns protocol tracing on, so `onDebug` sees the traffic.
    public func traceProtocol() throws {
        try set(CURLOPT_VERBOSE, true)
    }

    /// Turns progress reports on, so `onProgress` is called.
    public func reportProgress() throws {
        try set(CURLOPT_NOPROGRESS, false)
    }

    // MARK: Running

    /// What the last `perform` ended with, for callers that explain failures.
    public private(set) var lastCode = CURLE_OK

    /// Runs the transfer to its end; a failure carries libcurl's own words.
    public func perform() throws {
        errorBuffer.pointee = 0
        lastCode = curl_easy_perform(handle)
        if lastCode != CURLE_OK { throw failure(lastCode) }
    }

    /// The error for `code`, with the detail libcurl left in the error buffer.
    func failure(_ code: CURLcode) -> SwnetError {
        SwnetError(curl: code, detail: String(cString: errorBuffer))
    }

    // MARK: Information

    public func long(_ info: CURLINFO) -> Int {
        var value = 0
        _ = swnet_curl_get_long(handle, info, &value)
        return value
    }

    public func double(_ info: CURLINFO) -> Double {
        var value = 0.0
        _ = swnet_curl_get_double(handle, info, &value)
        return value
    }

    public func offset(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = swnet_curl_get_offset(handle, info, &value)
        return Int64(value)
    }

    public func string(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        _ = swnet_curl_get_string(handle, info, &value)
        return value.map { String(cString: $0) }
    }

    private func check(_ code: CURLcode) throws {
        if code != CURLE_OK { throw failure(code).adding("curl_easy_setopt") }
    }
}
