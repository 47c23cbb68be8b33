import SwnetCLI
import SwnetSocket

/// `--allow` and `--deny`, declared once for every command that accepts
/// connections (listen, forward), and how they become `AccessControl`.
enum AccessOptions {
    static let specs: [OptionSpec] = [
        OptionSpec("allow", .text, placeholder: "CIDR", repeatable: true,
                   help: "Accept only peers in this address block (10.0.0.0/8, 2001:db8::/32, or one address); repeatable"),
        OptionSpec("deny", .text, placeholder: "CIDR", repeatable: true,
                   help: "Refuse peers in this address block, before any byte; repeatable, and it wins over --allow"),
    ]

    /// The rules the options give; admits everyone when neither is given.
    static func accessControl(_ invocation: Invocation) throws -> AccessControl {
        try AccessControl(allow: invocation.texts("allow"), deny: invocation.texts("deny"))
    }
}
