/// Passwords given on the command line (`-u anna:secret`,
/// `--proxy-user anna:secret`, `ftp://anna:secret@host/`, a proxy given as
/// `-x anna:secret@proxy:3128`) are visible to every user through `ps` for
/// as long as the transfer runs; swnet overwrites them in its own argv
/// once it has copied them, as curl does.
public enum PasswordArguments {
    /// Options whose value is `USER[:PASS]`, and their short spellings.
    private static let userOptions = ["--user", "--proxy-user"], userShort = "-u"
    /// Options whose value is a proxy, with or without a scheme (`anna:pw@proxy:3128`).
    private static let proxyOptions = ["--proxy"], proxyShort = "-x"

    /// The byte ranges (argument index, UTF-8 offset, length) that hold a
    /// password. `arguments[0]` is the program name.
    public static func secrets(in arguments: [String]) -> [(index: Int, offset: Int, length: Int)] {
        var found: [(Int, Int, Int)] = []
        var pending: ((_ bytes: [UInt8], _ start: Int) -> Range<Int>?)?
        for (index, argument) in arguments.enumerated() where index > 0 {
            let bytes = Array(argument.utf8)
            if let read = pending {
                pending = nil
                if let password = read(bytes, 0) { found.append((index, password.lowerBound, password.count)) }
                continue
            }
            let password: Range<Int>?
            if argument == userShort || userOptions.contains(argument) {
                pending = userPassword
                continue
            } else if argument == proxyShort || proxyOptions.contains(argument) {
                pending = proxyPassword
                continue
            } else if let option = userOptions.first(where: { argument.hasPrefix($0 + "=") }) {
                password = userPassword(bytes, from: option.utf8.count + 1)
            } else if let option = proxyOptions.first(where: { argument.hasPrefix($0 + "=") }) {
                password = proxyPassword(bytes, from: option.utf8.count + 1)
            } else if argument.hasPrefix(userShort) && !argument.hasPrefix("--") {
                password = userPassword(bytes, from: 2)
            } else if argument.hasPrefix(proxyShort) && !argument.hasPrefix("--") {
                password = proxyPassword(bytes, from: 2)
            } else {
                password = urlPassword(bytes)
            }
            if let password { found.append((index, password.lowerBound, password.count)) }
        }
        return found.filter { $0.2 > 0 }
    }

    /// The `PASS` of `USER:PASS` starting at `start`.
    private static func userPassword(_ bytes: [UInt8], from start: Int) -> Range<Int>? {
        bytes[start...].firstIndex(of: UInt8(ascii: ":")).map { ($0 + 1)..<bytes.count }
    }

    /// The password of a proxy starting at `start`: a URL, or `user:pass@host[:port]` without a scheme.
    private static func proxyPassword(_ bytes: [UInt8], from start: Int) -> Range<Int>? {
        urlPassword(bytes) ?? authorityPassword(bytes, from: start)
    }

    /// The password in `scheme://user:password@host...`, if any.
    private static func urlPassword(_ bytes: [UInt8]) -> Range<Int>? {
        guard let scheme = (0..<max(0, bytes.count - 2)).first(where: { bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/") }) else { return nil }
        return authorityPassword(bytes, from: scheme + 3)
    }

    /// The password in the authority `user:password@host...` that starts at `start`.
    private static func authorityPassword(_ bytes: [UInt8], from start: Int) -> Range<Int>? {
        let authorityEnd = bytes[start...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
        guard let at = bytes[start..<authorityEnd].lastIndex(of: UInt8(ascii: "@")),
              let colon = bytes[start..<at].firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return (colon + 1)..<at
    }
}
