import SwnetCore
import SwnetTransfer

/// A URL as `-O` names its file: the last path segment, percent-decoded.
/// A name it gives must be safe to create in the current folder.
enum RemoteNameTarget {
    static func run(_ input: FuzzInput) {
        let url = input.text
        let parts = URLParts(url)
        _ = parts.server
        let redacted = URLParts.redacted(url)
        if let userInfo = parts.userInfo, userInfo.contains(":") {
            require(redacted.contains("[redacted]"), "'\(url)' is shown with its password as '\(redacted)'")
        }
        _ = PercentEncoding.decoded(Substring(url))
        do {
            let name = try OutputNaming.remoteName(of: url)
            let bytes = Array(name.utf8)
            require(!bytes.isEmpty, "'\(url)' gives an empty name")
            require(name != "." && name != "..", "'\(url)' gives '\(name)'")
            require(!bytes.contains(UInt8(ascii: "/")), "'\(url)' gives a name with '/': '\(name)'")
            require(bytes.first != UInt8(ascii: "."), "'\(url)' gives a hidden name: '\(name)'")
            require(!bytes.contains { $0 < 0x20 || $0 == 0x7F }, "'\(url)' gives a name with a control character")
            let placed = OutputNaming.place(name, in: "downloads")
            require(placed == "downloads/" + name, "'\(name)' placed as '\(placed)'")
        } catch let error as SwnetError {
            require(error.code == .usage, "'\(url)' failed with exit \(error.code.rawValue)")
        } catch {
            require(false, "'\(url)' threw \(error)")
        }
    }
}
