import SwnetCLI
import SwnetCore
import SwnetSocket

/// Where `listen` listens, from `[ADDR:]PORT`, `unix:PATH`, `unix:@NAME`
/// or nc's `-p PORT` and `-b ADDR`, and what is left over for `--exec`.
struct ListenAddress {
    let addresses: [(address: SocketAddress, optional: Bool)]
    let port: UInt16
    /// The positional arguments after the address: the program's, with --exec.
    let programArguments: [String]

    var isUnix: Bool { addresses.first?.address.family == .unix }

    init(_ invocation: Invocation, family: AddressFamily?) throws {
        var positional = invocation.arguments[...]
        var host = invocation.text("bind").map(Self.unbracketed)
        if let port = invocation.integer("port") {
            self.port = UInt16(port)
        } else {
            guard let text = positional.popFirst() else {
                throw SwnetError.usage("listen needs a port: swnet listen PORT, ADDR:PORT, unix:PATH, or -p PORT")
            }
            if let unix = try Endpoint.unixAddress(text) {
                guard host == nil else { throw SwnetError.usage("-b names an IP address: not with a unix: address") }
                addresses = [(unix, false)]
                port = 0
                programArguments = Array(positional)
                return
            }
            if !text.isEmpty && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) {
                port = try Endpoint.port(text, for: .tcp, use: .local)
            } else {
                guard let (given, portText) = Endpoint.split(text), let portText else {
                    throw SwnetError.usage("'\(text)' has no port: write PORT, ADDR:PORT, [IPv6]:PORT or unix:PATH")
                }
                guard host == nil else { throw SwnetError.usage("the address is given twice: in '\(text)' and with -b") }
                host = given
                port = try Endpoint.port(portText, for: .tcp, use: .local)
            }
        }
        programArguments = Array(positional)
        if let host {
            addresses = try Resolver.resolve(host, port: 0, family: family, transport: .tcp).map { ($0, false) }
        } else {
            // Every address of each family -4/-6 allow; IPv6 may be missing on this host.
            addresses = [("0.0.0.0", AddressFamily.v4), ("::", .v6)]
                .filter { family == nil || $0.1 == family }
                .map { (SocketAddress(numeric: $0.0, port: 0)!, family == nil && $0.1 == .v6) }
        }
    }

    private static func unbracketed(_ text: String) -> String {
        text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
    }
}

/// The program `--exec` or `--sh-exec` runs for each client, found before
/// anything listens.
struct ExecProgram {
    let path: String
    let arguments: [String]
    /// swnet's environment without the variables each client sets.
    private let baseEnvironment = ChildProcess.environment(leaving: Set(ExecProgram.variables))
    private static let variables = ["SWNET_PEER_ADDR", "SWNET_PEER_PORT", "SWNET_LOCAL_ADDR", "SWNET_LOCAL_PORT"]

    /// nil when neither option is given.
    init?(_ invocation: Invocation, arguments: [String]) throws {
        switch (invocation.text("exec"), invocation.text("sh-exec")) {
        case (nil, nil):
            guard arguments.isEmpty else {
                throw SwnetError.usage("unexpected arguments after the address: \(arguments.joined(separator: " ")) (program arguments need --exec)")
            }
            return nil
        case (let program?, nil):
            path = try ChildProcess.locate(program)
            self.arguments = [program] + arguments
        case (nil, let command?):
            guard arguments.isEmpty else { throw SwnetError.usage("--sh-exec takes the whole command in its value: no arguments after it") }
            path = "/bin/sh"
            self.arguments = ["sh", "-c", command]
        default:
            throw SwnetError.usage("--exec and --sh-exec exclude each other")
        }
    }

    /// A child's environment: swnet's, and where the client came from and where it arrived.
    func environment(peer: SocketAddress?, local: SocketAddress?) -> [String] {
        func port(_ address: SocketAddress?) -> String { address.map { $0.family == .unix ? "" : String($0.port) } ?? "" }
        let values = [peer?.host ?? "", port(peer), local?.host ?? "", port(local)]
        return baseEnvironment + zip(Self.variables, values).map { "\($0)=\($1)" }
    }
}
