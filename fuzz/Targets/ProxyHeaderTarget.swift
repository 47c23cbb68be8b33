import SwnetSocket

/// The PROXY protocol parser of `forward --accept-proxy` over what any
/// client may send first: a header is never longer than its input or the
/// specification's limit, and what it names encodes and parses back the same.
enum ProxyHeaderTarget {
    static func run(_ input: FuzzInput) {
        guard case .header(let header, let length)? = try? ProxyHeader.parse(input.bytes) else { return }
        require(length > 0 && length <= input.bytes.count, "length \(length) of \(input.bytes.count) bytes")
        require(length <= ProxyHeader.v2MaximumLength, "length \(length) over the v2 limit")
        guard let source = header.source, let destination = header.destination else { return }
        for version in ProxyHeader.Version.allCases {
            let encoded = ProxyHeader.encode(version, source: source, destination: destination)
            guard case .header(let again, let count)? = try? ProxyHeader.parse(encoded) else {
                return require(false, "\(version) of \(header) does not parse back")
            }
            require(count == encoded.count, "\(version): read \(count) of \(encoded.count) bytes")
            if source.family == destination.family {
                require(again.description == header.description, "\(version): \(again) is not \(header)")
            } else {
                require(again.source == nil, "\(version): a mixed pair must name no addresses, not \(again)")
            }
        }
    }
}
