/// The control connection's reply lines as libcurl hands them over, in
/// chunks cut where the input has a 0xFF byte, and FEAT read from them.
enum FTPRepliesTarget {
    static func run(_ input: FuzzInput) {
        let replies = FTPReplies()
        for chunk in input.fields(separator: 0xFF) { chunk.withUnsafeBytes { replies.record($0) } }
        if let last = replies.last {
            require((0...999).contains(last.code), "reply code \(last.code) from '\(last.line)'")
        }
        if let refusal = replies.lastRefusal { require(FTPReplies.finalCode(refusal).map { $0 >= 400 } == true, "'\(refusal)' is no refusal") }
        let features = FTPFeatures(replies: replies.lines)
        if let command = features.optsCommand {
            require(command.hasPrefix("OPTS MLST ") && command.hasSuffix(";"), "OPTS command '\(command)'")
            require(!command.contains("\r") && !command.contains("\n"), "OPTS command spans lines: '\(command)'")
        }
    }
}
