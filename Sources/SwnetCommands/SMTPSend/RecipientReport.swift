import SwnetCore

/// Each recipient's fate: the `RCPT TO` swnet sent and what the server
/// answered, accepted (2xx) or rejected (4xx, 5xx), in the order sent.
struct RecipientReport {
    struct Outcome: Equatable {
        /// The address as sent, without angle brackets.
        let address: String
        let reply: SMTPDialogue.Reply
    }

    let accepted: [Outcome]
    let rejected: [Outcome]

    init(_ dialogue: SMTPDialogue) {
        let outcomes = dialogue.exchanges.filter { $0.verb == "RCPT" }.map { exchange in
            Outcome(address: Self.address(inCommand: exchange.command ?? ""), reply: exchange.reply)
        }
        accepted = outcomes.filter { $0.reply.isPositive }
        rejected = outcomes.filter { !$0.reply.isPositive }
    }

    /// `bob@example.com` from `RCPT TO:<bob@example.com> NOTIFY=NEVER`.
    static func address(inCommand command: String) -> String {
        if let open = command.firstIndex(of: "<"), let close = command[open...].firstIndex(of: ">") {
            return String(command[command.index(after: open)..<close])
        }
        let afterColon = command.firstIndex(of: ":").map { command[command.index(after: $0)...] } ?? Substring(command)
        return String(afterColon.prefix { $0 != " " })
    }

    /// The `rejected` array of the --json document.
    var rejectedJSON: JSONValue {
        .array(rejected.map { .object([("address", .string($0.address)), ("reply", .string($0.reply.description))]) })
    }

    /// The `accepted` array of the --json document.
    var acceptedJSON: JSONValue {
        .array(accepted.map { .string($0.address) })
    }
}
