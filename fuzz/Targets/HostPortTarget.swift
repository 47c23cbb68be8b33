import SwnetCore
import SwnetSocket

/// HOST:PORT in its spellings, HOST PORT, and port lists (`20-25,80,http`);
/// http-get's `--resolve`, `--connect-to` and `-x` values.
enum HostPortTarget {
    static func run(_ input: FuzzInput) {
        let words = input.texts(separator: 0)
        let text = words[0]
        // Refused only as usage errors; what is accepted goes to libcurl unchanged.
        for (option, check) in [("--resolve", ConnectionOptions.checkedResolve), ("--connect-to", ConnectionOptions.checkedConnectTo),
                                ("--proxy", FetchOptions.checkedProxy)] {
            do {
                let checked = try check(text)
                require(checked == text, "\(option) '\(text)' was changed")
            } catch let error as SwnetError {
                require(error.code == .usage && !error.reason.contains(where: \.isNewline), "\(option) '\(text)' failed with exit \(error.code.rawValue) or on two lines")
            } catch {
                require(false, "\(option) '\(text)' threw \(error)")
            }
        }
        if let (host, _) = Endpoint.split(text) {
            require(!host.isEmpty || text.hasPrefix("["), "'\(text)' split into an empty host")
        }
        for arguments in [Array(words.prefix(1)), Array(words.prefix(2))] {
            do {
                let endpoint = try Endpoint.parse(arguments)
                _ = endpoint.description
                if let port = try? endpoint.portNumber(for: .tcp) { require(port != 0, "port 0 accepted as a destination") }
            } catch let error as SwnetError {
                require(error.code == .usage, "\(arguments) failed with exit \(error.code.rawValue)")
            } catch {
                require(false, "\(arguments) threw \(error)")
            }
        }
        // Lists are short on a command line; a longer input only repeats ranges.
        guard text.utf8.count <= 64 else { return }
        if let ports = try? Endpoint.ports(text, for: .udp) {
            require(!ports.isEmpty, "'\(text)' is an empty port list")
            require(ports.first! >= 1, "'\(text)' lists port 0")
            require(zip(ports, ports.dropFirst()).allSatisfy { $0 < $1 }, "'\(text)' gives ports unsorted or repeated")
        }
    }
}
