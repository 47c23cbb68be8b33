import Glibc
import SwnetCore

/// A user name and password for a server.
public struct Credentials: Sendable {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Reads `USER[:PASS]` (`-u/--user`, or `option`). Without a password
    /// there, it comes from `passwordFile` (its first line), else the
    /// variable `environment`, else a prompt on the terminal; with none of
    /// these it is a usage error, since a script must not hang on a prompt
    /// nobody sees. `offersPasswordFile`: the command has `--password-file`,
    /// so the hint names it. `--proxy-user` has a variable of its own, so
    /// that `-u` and `--proxy-user` can both leave their passwords out.
    public static func resolve(_ text: String, passwordFile: String? = nil, offersPasswordFile: Bool = false,
                               option: String = "--user", environment: String = "SWNET_PASSWORD") throws -> Credentials {
        guard !text.isEmpty, !text.hasPrefix(":") else { throw SwnetError.usage("invalid value '\(text)' for \(option): the user name is empty") }
        if let colon = text.firstIndex(of: ":") {
            return Credentials(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let passwordFile {
            guard let contents = try? readFile(passwordFile) else {
                throw SwnetError(.local, "cannot read the password file").adding(passwordFile)
            }
            return Credentials(user: text, password: String(contents.prefix { $0 != "\n" && $0 != "\r" }))
        }
        if let password = getenv(environment) {
            return Credentials(user: text, password: String(cString: password))
        }
        let whose = option == "--user" ? text : "\(text) (\(option))"
        if let password = Terminal.readSecret(prompt: "password for \(whose): ") {
            return Credentials(user: text, password: password)
        }
        throw SwnetError.usage("no password for \(whose): give USER:PASS\(offersPasswordFile ? ", --password-file FILE" : ""), set \(environment), or run on a terminal")
    }

    private static func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw SwnetError(.local, "cannot open") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count == 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
