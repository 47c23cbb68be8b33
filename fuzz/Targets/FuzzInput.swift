/// The fuzzer's bytes, and the ways targets read them.
struct FuzzInput {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The bytes as text; invalid UTF-8 becomes U+FFFD, as in swnet's own decoding.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The bytes split at `separator` into fields (empty ones kept).
    func fields(separator: UInt8) -> [[UInt8]] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
    }

    /// The fields as text.
    func texts(separator: UInt8) -> [String] {
        fields(separator: separator).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Traps with `message` when `condition` fails: the fuzzer saves the input.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz check failed: \(message())") }
}
