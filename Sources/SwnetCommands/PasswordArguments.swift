/// Passwords given on the command line (`-u anna:secret`,
/// `ftp://anna:secret@host/`) are visible to every user through `ps` for
/// as long as the transfer runs; swnet overwrites them in its own argv
/// once it has copied them, as curl does.
public enum PasswordArguments {
    /// The byte ranges (argument index, UTF-8 offset, length) that hold a
    /// password. `arguments[0]` is the program name.
    public static func secrets(in arguments: [String]) -> [(index: Int, offset: Int, length: Int)] {
        var found: [(Int, Int, Int)] = []
        var valueOfUser = false
        for (index, argument) in arguments.enumerated() where index > 0 {
            let bytes = Array(argument.utf8)
            if valueOfUser {
                valueOfUser = false
                if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) { found.append((index, colon + 1, bytes.count - colon - 1)) }
                continue
            }
            if argument == "-u" || argument == "--user" {
                valueOfUser = true
            } else if argument.hasPrefix("--user=") || (argument.hasPrefix("-u") && !argument.hasPrefix("--")) {
                let start = argument.hasPrefix("--user=") ? 7 : 2
                if let colon = bytes[start...].firstIndex(of: UInt8(ascii: ":")) { found.append((index, colon + 1, bytes.count - colon - 1)) }
            } else if let password = urlPassword(bytes) {
                found.append((index, password.lowerBound, password.count))
            }
        }
        return found.filter { $0.2 > 0 }
    }

    /// The password in `scheme://user:password@host...`, if any.
    private static func urlPassword(_ bytes: [UInt8]) -> Range<Int>? {
        guard let scheme = (0..<max(0, bytes.count - 2)).first(where: { bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/") }) else { return nil }
        let authorityStart = scheme + 3
        let authorityEnd = bytes[authorityStart...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
        guard let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")),
              let colon = bytes[authorityStart..<at].firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return (colon + 1)..<at
    }
}
