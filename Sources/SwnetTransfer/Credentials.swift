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

    /// Reads `USER[:PASS]` (`-u/--user`). Without a password there, it comes
    /// from `passwordFile` (its first line), else `SWNET_PASSWORD`, else a
    /// prompt on the terminal; with none of these it is a usage error,
    /// since a script must not hang on a prompt nobody sees.
    public static func resolve(_ text: String, passwordFile: String? = nil) throws -> Credentials {
        if let colon = text.firstIndex(of: ":") {
            return Credentials(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        }
        if let passwordFile {
            guard let contents = try? readFile(passwordFile) else {
                throw SwnetError(.local, "cannot read the password file").adding(passwordFile)
            }
            return Credentials(user: text, password: String(contents.prefix { $0 != "\n" && $0 != "\r" }))
        }
        if let password = getenv("SWNET_PASSWORD") {
            return Credentials(user: text, password: String(cString: password))
        }
        if let password = Terminal.readSecret(prompt: "password for \(text): ") {
            return Credentials(user: text, password: password)
        }
        throw SwnetError.usage("no password for \(text): give USER:PASS, set SWNET_PASSWORD, or run on a terminal")
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
