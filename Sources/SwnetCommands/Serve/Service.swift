/// The small services of RFC 867, 862, 863 and 864.
enum Service: String, CaseIterable {
    case daytime, echo, discard, chargen

    /// The port the RFC assigns; `--port` overrides it.
    var standardPort: UInt16 {
        switch self {
        case .daytime: return 13
        case .echo: return 7
        case .discard: return 9
        case .chargen: return 19
        }
    }

    /// Source ports of datagrams never answered: 0 cannot be answered, and
    /// answering another small service could start an endless ping-pong
    /// (echo to chargen and back). Time (37) is among them.
    static let loopGuardPorts: Set<UInt16> = [0, 7, 9, 13, 19, 37]
}

/// RFC 864's character stream: lines of 72 printable ASCII characters,
/// each starting one character further along the 95 printable ones.
enum Chargen {
    static let lineLength = 72
    static let printable = Array(UInt8(ascii: " ")...UInt8(ascii: "~"))

    /// Line `n` with its CRLF.
    static func line(_ n: Int) -> [UInt8] {
        (0..<lineLength).map { printable[(n + $0) % printable.count] } + [13, 10]
    }

    /// All 95 lines in a row, twice, so any window of one cycle's length is
    /// contiguous: a connection keeps only its offset into this.
    static let stream: [UInt8] = {
        let cycle = (0..<printable.count).flatMap(line)
        return cycle + cycle
    }()

    static var cycleLength: Int { stream.count / 2 }
}
