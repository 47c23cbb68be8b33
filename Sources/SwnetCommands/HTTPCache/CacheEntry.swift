/// What the cache keeps about one URL, and how it is laid out in its file.
///
/// A file is a fixed 80-byte preamble, then the metadata, then the body:
///
///     swnet-cache 1 0000000312 00000000000000102400 8f0c...e1 (meta hash) 3b7d...90 (body hash)\n
///     key 5c1e22a09b3f7d41\n
///     url https://example.com/index.json\n
///     request-time 1795262400\n
///     response-time 1795262401\n
///     vary accept-language en\n           (one line per field the response's Vary names)
///     \n
///     HTTP/1.1 200 OK\r\n ... \r\n\r\n       (the response head, as sent)
///     body bytes
///
/// The preamble gives the lengths and XXH64 hashes of the metadata and the
/// body, so a reader tells a whole entry from a truncated, torn or damaged
/// one by its size and two hashes, and never serves the latter. The body is
/// stored decoded (as written to the output), so `Content-Encoding` in the
/// head describes what the server sent, as it does for `-i` of a live fetch.
struct CacheEntry: Equatable {
    /// A second hash of the URL, seeded unlike the file name's: two URLs
    /// whose names collide are still told apart, without storing a password.
    var key: UInt64
    /// The URL with any password redacted, for whoever looks into the folder.
    var url: String
    /// When the request that brought the answer (or last revalidated it)
    /// was sent, and when its answer arrived: Unix times, for the age.
    var requestTime: Int64
    var responseTime: Int64
    /// The request's value of each field the response's `Vary` names
    /// (lower-cased names; nil: the request did not have it).
    var vary: [VaryValue]
    var head: ResponseHead

    struct VaryValue: Equatable {
        let name: String
        let value: String?
    }

    /// The seed of `key`; the file name is XXH64 with seed 0.
    static let keySeed: UInt64 = 0x5357_4E45_5443_4143

    static func key(for url: String) -> UInt64 { XXHash64.hash(url.utf8, seed: keySeed) }

    /// The metadata block: the text lines, the empty line, the head.
    var meta: [UInt8] {
        var text = "key \(XXHash64.hex(key))\nurl \(url)\nrequest-time \(requestTime)\nresponse-time \(responseTime)\n"
        for field in vary {
            text += field.value.map { "vary \(field.name) \($0)\n" } ?? "vary-absent \(field.name)\n"
        }
        return Array((text + "\n").utf8) + head.bytes
    }

    /// Reads a metadata block written by `meta`; nil if it is not one.
    init?(meta: [UInt8]) {
        guard let end = meta.indices.first(where: { $0 > 0 && meta[$0] == 10 && meta[$0 - 1] == 10 }) else { return nil }
        var key: UInt64?, url: String?, requestTime: Int64?, responseTime: Int64?
        var vary: [VaryValue] = []
        for line in meta[..<end].split(separator: 10) {
            let (word, rest) = Self.split(line)
            switch word {
            case "key": key = UInt64(rest, radix: 16)
            case "url": url = rest
            case "request-time": requestTime = Int64(rest)
            case "response-time": responseTime = Int64(rest)
            case "vary":
                let (name, value) = Self.split(Array(rest.utf8)[...])
                vary.append(VaryValue(name: name, value: value))
            case "vary-absent": vary.append(VaryValue(name: rest, value: nil))
            default: return nil
            }
        }
        guard let key, let url, let requestTime, let responseTime,
              let head = ResponseHead(parsing: meta[(end + 1)...]) else { return nil }
        self.init(key: key, url: url, requestTime: requestTime, responseTime: responseTime, vary: vary, head: head)
    }

    /// A line's first word and the rest after one space.
    private static func split(_ line: ArraySlice<UInt8>) -> (String, String) {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")) else { return (String(decoding: line, as: UTF8.self), "") }
        return (String(decoding: line[..<space], as: UTF8.self), String(decoding: line[(space + 1)...], as: UTF8.self))
    }

    init(key: UInt64, url: String, requestTime: Int64, responseTime: Int64, vary: [VaryValue], head: ResponseHead) {
        self.key = key
        self.url = url
        self.requestTime = requestTime
        self.responseTime = responseTime
        self.vary = vary
        self.head = head
    }
}

/// The fixed first 80 bytes of an entry file: the format's name and
/// version, and the lengths and hashes of what follows.
struct EntryPreamble: Equatable {
    static let size = 80
    static let magic = "swnet-cache 1 "

    let metaLength: Int
    let bodyLength: Int64
    let metaHash: UInt64
    let bodyHash: UInt64

    /// The file's expected size.
    var fileSize: Int64 { Int64(Self.size + metaLength) + bodyLength }

    var bytes: [UInt8] {
        func padded(_ value: some BinaryInteger, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let text = Self.magic + padded(metaLength, 10) + " " + padded(bodyLength, 20) + " "
            + XXHash64.hex(metaHash) + " " + XXHash64.hex(bodyHash) + "\n"
        return Array(text.utf8)
    }

    init(metaLength: Int, bodyLength: Int64, metaHash: UInt64, bodyHash: UInt64) {
        self.metaLength = metaLength
        self.bodyLength = bodyLength
        self.metaHash = metaHash
        self.bodyHash = bodyHash
    }

    /// Reads the fields at their fixed places (every cache hit does).
    init?(parsing bytes: [UInt8]) {
        guard bytes.count == Self.size, bytes.starts(with: Self.magic.utf8),
              bytes[24] == 32, bytes[45] == 32, bytes[62] == 32, bytes[79] == 10,
              let metaLength = Self.number(bytes[14..<24], radix: 10), let bodyLength = Self.number(bytes[25..<45], radix: 10),
              let metaHash = Self.number(bytes[46..<62], radix: 16), let bodyHash = Self.number(bytes[63..<79], radix: 16),
              metaLength <= UInt64(Int32.max), bodyLength <= UInt64(Int64.max)
        else { return nil }
        self.init(metaLength: Int(metaLength), bodyLength: Int64(bodyLength), metaHash: metaHash, bodyHash: bodyHash)
    }

    /// Digits (lower-case hex for radix 16), nothing else, that fit 64 bits.
    private static func number(_ digits: ArraySlice<UInt8>, radix: UInt64) -> UInt64? {
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt64(byte - UInt8(ascii: "a") + 10)
            default: return nil
            }
            let (times, overflow) = value.multipliedReportingOverflow(by: radix)
            guard !overflow, times <= UInt64.max - digit else { return nil }
            value = times + digit
        }
        return value
    }
}
