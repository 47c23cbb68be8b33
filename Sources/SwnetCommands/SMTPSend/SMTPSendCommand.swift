import CCurl
import Glibc
import SwnetCLI
import SwnetCore
import SwnetSocket
import SwnetTransfer

/// `swnet smtp-send`: build a correct message (or take a ready one), send
/// it with libcurl, and report what the server said to each recipient.
enum SMTPSendCommand: Command {
    static let name = "smtp-send"
    static let spec = CommandSpec(
        name, summary: "Build and send a mail; report each recipient's fate",
        usage: "[options] --to ADDR [--to ADDR...]",
        options: [
            OptionSpec("server", short: "s", .host, placeholder: "HOST[:PORT]|URL", default: "localhost:25",
                       help: "The server: HOST[:PORT], smtp://HOST[:PORT], or smtps://HOST[:PORT] for TLS from the first byte (port 465)"),
            OptionSpec("from", short: "f", .text, placeholder: "ADDR",
                       help: "The sender, 'Name <addr>' or addr: the envelope's MAIL FROM and the From header (default: $LOGNAME@HOSTNAME, as swaks; with --message-file, the message's From)"),
            OptionSpec("to", short: "t", .text, placeholder: "ADDR", repeatable: true,
                       help: "A recipient shown in To; repeat it, or separate addresses by commas"),
            OptionSpec("cc", .text, placeholder: "ADDR", repeatable: true, help: "A recipient shown in Cc"),
            OptionSpec("bcc", .text, placeholder: "ADDR", repeatable: true, help: "A hidden recipient: in the envelope, in no header"),
            OptionSpec("subject", .text, help: "The subject; encoded per RFC 2047 when it is not ASCII"),
            OptionSpec("body", .text, excludes: ["body-file"], help: "The text of the mail (default: --body-file, else stdin)"),
            OptionSpec("body-file", .file, help: "Read the text from FILE, '-' for stdin"),
            OptionSpec("attach", .file, repeatable: true,
                       help: "Attach FILE, base64, its type guessed from its extension (repeatable)"),
            OptionSpec("header", short: "H", .text, placeholder: "HEADER", repeatable: true,
                       help: "Add 'Name: value', or replace the field swnet makes of that name (Subject, Message-ID, From, ...); Content-Type sets the text's type, such as text/html"),
            OptionSpec("message-file", .file, excludes: ["subject", "body", "body-file", "attach", "header"],
                       help: "Send FILE, a ready RFC 5322 message, as it is (only line ends change: a bare LF or CR becomes CRLF); the recipients still come from --to, --cc and --bcc"),
            OptionSpec("starttls", .choice(["require", "try", "off"]), placeholder: "WHEN", default: "try",
                       help: "STARTTLS: require it with a verified certificate (exit 6 otherwise), try it when offered (the certificate unverified, RFC 7435, unless --user is given), or never; smtps:// is TLS throughout"),
            OptionSpec("user", short: "u", .text, placeholder: "USER",
                       help: "Log in (AUTH) as USER, the password from --password-file, SWNET_PASSWORD or a prompt on the terminal (USER:PASS works, but ps shows it)"),
            OptionSpec("password-file", .file, onlyWith: .withOption("user"), help: "Read the password for --user from the first line of FILE"),
            OptionSpec("auth", .choice(["any", "plain", "login", "cram-md5"]), placeholder: "MECH", default: "any", onlyWith: .withOption("user"),
                       help: "The SASL mechanism for --user; any takes the strongest the server offers"),
            OptionSpec("helo", .text, placeholder: "NAME", help: "The name swnet gives in EHLO (default: this host's name)"),
            OptionSpec("dry-run", help: "Print the message on stdout, exactly as it would go, and send nothing"),
        ] + TransferOptions.specs,
        discussion: [
            "The message follows RFC 5322 and MIME: Date, Message-ID, From, To, Cc (never Bcc), the Subject in RFC 2047 encoded words when it is not ASCII, UTF-8 text sent 7bit when it is ASCII in lines of at most 998 octets, else quoted-printable (base64 when it is mostly not ASCII), since libcurl cannot ask the server for 8BITMIME. Attachments make it multipart/mixed. Line ends are CRLF; libcurl doubles a dot that begins a line and the server removes it.",
            "Each recipient's RCPT TO reply is kept. Refused ones are named on stderr ('swnet: smtp-send: rejected <addr>: 550 ...'); the exit status is 9 when others were accepted, 8 when none was. A refused MAIL FROM, DATA or message exits 8 with the server's reply, a refused login 7, a TLS failure 6 (also --starttls require against a server without STARTTLS).",
            "With --user the message is never sent without logging in: when the server offers no AUTH (many offer it only after STARTTLS) swnet stops before the data and exits 7.",
            "--json prints one document: server, tls (verified, unverified or none), message_id, accepted (the addresses), rejected (each with address and reply) and reply, the server's answer to the message data.",
        ],
        examples: [
            Example("echo 'Backup done.' | swnet smtp-send --to root@localhost --subject 'backup'", "Mail a line to the local server"),
            Example("swnet smtp-send -s mail.example.com:587 --starttls require -u anna -f anna@example.com -t bob@example.com --subject 'Report' --attach report.pdf --body-file note.txt",
                    "Log in over STARTTLS and attach a file (the password is asked for)"),
            Example("swnet smtp-send --dry-run -f a@example.com -t b@example.com --subject 'Grüße' --body 'Hallo'", "Show the message swnet would send"),
            Example("swnet --json smtp-send -s smtps://mail.example.com --message-file ready.eml -t x@example.com", "Send a ready message over TLS and report as JSON"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let server = try SMTPServer.parse(invocation.text("server")!)
        if invocation.text("helo") == "" { throw SwnetError.usage("invalid value '' for --helo: expected a host name") }
        if server.implicitTLS && invocation.text("starttls") == "off" && invocation.isSet("starttls") {
            throw SwnetError.usage("--starttls off contradicts \(server): smtps:// is TLS from the first byte")
        }

        var recipients: [String: [MailAddress]] = [:]
        for kind in ["to", "cc", "bcc"] {
            recipients[kind] = try invocation.texts(kind).flatMap { try MailAddress.parseList($0, what: "--\(kind)") }
        }
        let (to, cc, bcc) = (recipients["to"]!, recipients["cc"]!, recipients["bcc"]!)
        guard !(to + cc + bcc).isEmpty else { throw SwnetError.usage("no recipient: give --to, --cc or --bcc") }
        let from = try invocation.text("from").map { try MailAddress.parse($0, what: "--from") }

        let outgoing = try invocation.text("message-file").map { try ready($0, from: from, to: to + cc + bcc, invocation: invocation, console: console) }
            ?? built(from: from, to: to, cc: cc, bcc: bcc, invocation: invocation, console: console)

        if invocation.isSet("dry-run") {
            if console.json {
                console.emit(.object([
                    ("server", .string(server.description)), ("message_id", outgoing.messageID.map(JSONValue.string) ?? .null),
                    ("from", .string(outgoing.sender.address)), ("recipients", .array(outgoing.recipients.map { .string($0.address) })),
                    ("message", .string(String(decoding: outgoing.bytes, as: UTF8.self))),
                ]))
            } else {
                console.out.write(String(decoding: outgoing.bytes, as: UTF8.self))
            }
            return .success
        }
        let credentials = try invocation.text("user").map { try Credentials.resolve($0, passwordFile: invocation.text("password-file"), offersPasswordFile: true) }
        return try send(outgoing, server: server, credentials: credentials, invocation: invocation, context: context)
    }

    // MARK: The message

    /// What goes out: the message and its envelope.
    struct Outgoing {
        let bytes: [UInt8]
        /// For the report; nil when a ready message has none.
        let messageID: String?
        let sender: MailAddress
        let recipients: [MailAddress]
    }

    /// A message built from the options.
    private static func built(from: MailAddress?, to: [MailAddress], cc: [MailAddress], bcc: [MailAddress],
                              invocation: Invocation, console: Console) throws -> Outgoing {
        var mail = MailMessage(from: from ?? defaultSender())
        (mail.to, mail.cc, mail.bcc) = (to, cc, bcc)
        if let subject = invocation.text("subject") {
            guard !subject.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw SwnetError.usage("--subject must be one line")
            }
            mail.subject = subject
        }
        for header in invocation.texts("header") { try mail.addHeader(header) }
        mail.body = try body(invocation, console: console)
        mail.attachments = try invocation.texts("attach").map { path in
            MailMessage.Attachment(fileName: String(path.split(separator: "/").last ?? Substring(path)), bytes: try LocalFile.read(path))
        }
        return Outgoing(bytes: try mail.rendered(), messageID: mail.sentMessageID, sender: mail.from, recipients: mail.recipients)
    }

    /// A ready message (--message-file), sent as it is; the sender is
    /// --from, else its From.
    private static func ready(_ file: String, from: MailAddress?, to recipients: [MailAddress],
                              invocation: Invocation, console: Console) throws -> Outgoing {
        let message = ReadyMessage(try LocalFile.read(file))
        for line in message.overlongLines.prefix(3) {
            console.note("smtp-send: \(file): line \(line) is longer than SMTP's 998 octets; servers may refuse or break it")
        }
        let sender = from ?? message.field("From").flatMap { try? MailAddress.parseList($0, what: "From").first } ?? defaultSender()
        return Outgoing(bytes: message.bytes, messageID: message.field("Message-ID"), sender: sender, recipients: unique(recipients))
    }

    // MARK: Sending

    /// CURLOPT_MAIL_RCPT_ALLOWFAILS (libcurl 7.69 and later; 7.88's header
    /// spells it CURLOPT_MAIL_RCPT_ALLLOWFAILS, 8.2 fixed the name): by
    /// number, so the code builds with either header.
    private static let mailRecipientAllowFails = CURLoption(rawValue: 290)

    private static func send(_ outgoing: Outgoing, server: SMTPServer, credentials: Credentials?,
                             invocation: Invocation, context: Context) throws -> ExitCode {
        let console = context.console
        let message = outgoing.bytes
        let handle = try EasyHandle()
        try handle.set(CURLOPT_URL, server.url(helo: invocation.text("helo")))
        try handle.set(CURLOPT_UPLOAD, true)
        try handle.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(message.count))
        try handle.set(CURLOPT_MAIL_FROM, "<\(outgoing.sender.address)>")
        try handle.set(CURLOPT_MAIL_RCPT, list: outgoing.recipients.map { "<\($0.address)>" })
        // Refused recipients do not end the session: the others still get the mail.
        try handle.set(mailRecipientAllowFails, 1)
        let useSSL: curl_usessl
        switch invocation.text("starttls")! {
        case "require": useSSL = CURLUSESSL_ALL
        case "off": useSSL = CURLUSESSL_NONE
        default: useSSL = CURLUSESSL_TRY
        }
        if !server.implicitTLS { try handle.set(CURLOPT_USE_SSL, Int(useSSL.rawValue)) }
        // RFC 7435: try encrypts when offered, whatever the certificate (a stock
        // Postfix's is self-signed), and says so; require verifies. A password
        // is never sent to a server whose certificate is not verified.
        let opportunistic = useSSL == CURLUSESSL_TRY && !server.implicitTLS && credentials == nil
        if opportunistic {
            try handle.set(CURLOPT_SSL_VERIFYPEER, false)
            try handle.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let credentials {
            try handle.set(CURLOPT_USERNAME, credentials.user)
            try handle.set(CURLOPT_PASSWORD, credentials.password)
            if let mechanism = invocation.text("auth"), mechanism != "any" {
                try handle.set(CURLOPT_LOGIN_OPTIONS, "AUTH=" + mechanism.uppercased())
            }
        }
        // One message, one connection: QUIT is sent (and seen) before perform returns.
        try handle.set(CURLOPT_FORBID_REUSE, true)
        if let family = context.family {
            try handle.set(CURLOPT_IPRESOLVE, Int(family == .v4 ? CURL_IPRESOLVE_V4 : CURL_IPRESOLVE_V6))
        }
        try TransferOptions.check(invocation)
        try TransferOptions.apply(invocation, to: handle, console: console)

        // The dialogue sees the protocol lines too; the -vv transcript, if
        // TransferOptions set one, still gets every chunk first.
        let dialogue = SMTPDialogue()
        let transcript = handle.onDebug
        handle.onDebug = { type, bytes in
            transcript?(type, bytes)
            dialogue.record(type, bytes)
        }
        try handle.traceProtocol()

        var offset = 0
        var stoppedUnauthenticated = false
        handle.onRead = { buffer in
            if offset == 0 && credentials != nil && !dialogue.authenticated {
                // libcurl skips AUTH when the server offers none; the user asked to log in, so nothing goes.
                stoppedUnauthenticated = true
                return Int(CURL_READFUNC_ABORT)
            }
            let count = min(buffer.count, message.count - offset)
            message.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
            }
            offset += count
            return count
        }

        /// How the session was protected: none, unverified (opportunistic or -k), or verified.
        func protection() -> String {
            guard server.implicitTLS || dialogue.last("STARTTLS")?.reply.code == 220 else { return "none" }
            return opportunistic || invocation.isSet("insecure") ? "unverified" : "verified"
        }
        func json(_ report: RecipientReport) -> JSONValue {
            .object([
                ("server", .string(server.description)),
                ("tls", .string(protection())),
                ("message_id", outgoing.messageID.map(JSONValue.string) ?? .null),
                ("accepted", report.acceptedJSON),
                ("rejected", report.rejectedJSON),
                ("reply", dialogue.dataReply.map { .string($0.description) } ?? .null),
            ])
        }
        let started = MonotonicClock.now
        do {
            try handle.perform()
        } catch let error as SwnetError {
            let report = RecipientReport(dialogue)
            tell(report, console: console)
            let ranOut = invocation.duration("max-time").map { MonotonicClock.now - started >= $0 - .milliseconds(5) } ?? false
            let error = TransferFailure.explain(error, code: handle.lastCode, handle: handle, invocation: invocation, maxTimeRanOut: ranOut)
            throw explain(error, dialogue: dialogue, report: report, stoppedUnauthenticated: stoppedUnauthenticated,
                          credentials: credentials != nil, insecure: invocation.isSet("insecure")).adding(server.description)
                .with(report: json(report))
        }

        let report = RecipientReport(dialogue)
        tell(report, console: console)
        switch protection() {
        case "none" where !server.implicitTLS:
            console.verbose("smtp-send: not encrypted: \(useSSL == CURLUSESSL_NONE ? "--starttls off" : "the server offers no STARTTLS")")
        case "unverified":
            let result = handle.long(CURLINFO_SSL_VERIFYRESULT)
            console.verbose("smtp-send: encrypted, but the certificate was not verified\(result == 0 ? "" : " (OpenSSL verify result \(result)\(Self.verifyReasons[result].map { ": " + $0 } ?? ""))"): safe from eavesdroppers, not from an impostor (RFC 7435); --starttls require verifies")
        default:
            console.verbose("smtp-send: encrypted, the certificate verified")
        }
        let reply = dialogue.dataReply
        console.verbose("smtp-send: message \(outgoing.messageID ?? "without a Message-ID") accepted: \(reply?.description ?? "(no reply seen)")")
        if console.json { console.emit(json(report)) }
        return report.rejected.isEmpty ? .success : .partial
    }

    /// OpenSSL's words for the verify results a mail server's certificate most often gets.
    static let verifyReasons: [Int: String] = [
        10: "certificate has expired", 18: "self-signed certificate", 19: "self-signed certificate in the chain",
        20: "unable to get local issuer certificate", 21: "unable to verify the first certificate", 62: "hostname mismatch",
    ]

    /// Each refused recipient on stderr; the accepted ones too with -v.
    private static func tell(_ report: RecipientReport, console: Console) {
        for outcome in report.accepted { console.verbose("smtp-send: accepted <\(outcome.address)>: \(outcome.reply)") }
        for outcome in report.rejected { console.note("smtp-send: rejected <\(outcome.address)>: \(outcome.reply)") }
    }

    /// libcurl's failure told with what the server said: which command it
    /// refused and its reply, classified by the exit-code table.
    static func explain(_ error: SwnetError, dialogue: SMTPDialogue, report: RecipientReport, stoppedUnauthenticated: Bool,
                        credentials: Bool = false, insecure: Bool = false) -> SwnetError {
        let offered = dialogue.offeredMechanisms
        if stoppedUnauthenticated {
            return SwnetError(.auth, offered.isEmpty
                ? "the server offers no AUTH here (many offer it only after STARTTLS: try --starttls require); nothing was sent"
                : "AUTH did not happen (the server offers \(offered.joined(separator: " "))); nothing was sent")
        }
        switch error.code {
        case .auth:
            if let refusal = dialogue.failure {
                let mechanism = dialogue.last("AUTH")?.command ?? "AUTH"
                return SwnetError(.auth, "\(mechanism) refused: \(refusal.reply)")
            }
            if dialogue.last("AUTH") == nil {
                return SwnetError(.auth, "the server offers no AUTH mechanism swnet may use (offered: \(offered.isEmpty ? "none" : offered.joined(separator: " ")); see --auth)")
            }
            return error
        case .tls where credentials && !insecure && dialogue.last("STARTTLS")?.reply.code == 220:
            return SwnetError(.tls, error.reason + " (with --user the certificate must verify, even with --starttls try: a password must not go to an impostor; --cacert FILE trusts its CA, -k accepts it)")
        case .tls:
            if let refusal = dialogue.failure, refusal.verb == "STARTTLS" {
                return SwnetError(.tls, "STARTTLS refused: \(refusal.reply)")
            }
            if dialogue.last("EHLO") != nil && dialogue.last("STARTTLS") == nil {
                return SwnetError(.tls, "the server does not offer STARTTLS, which --starttls require insists on")
            }
            return error
        case .timeout, .unreachable, .resolve, .usage, .local, .interrupted:
            return error
        default:
            break
        }
        if let refusal = dialogue.failure {
            let what: String
            switch refusal.verb {
            case "": what = "the server refused the session"
            case ".": what = "the server refused the message"
            default: what = "\(refusal.command ?? refusal.verb) refused"
            }
            return SwnetError(.serverError, "\(what): \(refusal.reply)")
        }
        if !report.rejected.isEmpty && report.accepted.isEmpty {
            let replies = report.rejected.map { "<\($0.address)>: \($0.reply)" }.joined(separator: "; ")
            return SwnetError(.serverError, (report.rejected.count == 1 ? "the recipient was refused: " : "every recipient was refused: ") + replies)
        }
        return error
    }

    // MARK: Pieces of the message

    /// The text: --body, --body-file, else stdin (with a hint when stdin is a terminal).
    private static func body(_ invocation: Invocation, console: Console) throws -> [UInt8] {
        let bytes: [UInt8]
        if let text = invocation.text("body") {
            bytes = Array(text.utf8)
        } else if let file = invocation.text("body-file") {
            bytes = try LocalFile.read(file)
        } else {
            if Terminal.isTerminal(0) { console.note("smtp-send: reading the text from the terminal; end it with Ctrl-D") }
            bytes = try LocalFile.read("-")
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            console.note("smtp-send: the text is not valid UTF-8; it is sent as it is, labelled UTF-8")
        }
        return bytes
    }

    /// `$LOGNAME@HOSTNAME`, as swaks and mail(1) make the sender.
    /// The corresponding C functions are `getpwuid` and `gethostname`.
    private static func defaultSender() -> MailAddress {
        let variables: [String] = ["LOGNAME", "USER"]
        var user = variables.compactMap { getenv($0).map { String(cString: $0) } }.first { !$0.isEmpty }
        if user == nil, let entry = getpwuid(getuid()) { user = String(cString: entry.pointee.pw_name) }
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count - 1) == 0 ? String(cString: name) : "localhost"
        return MailAddress("\(user ?? "root")@\(host)")
    }

    /// Each address once, in order.
    private static func unique(_ addresses: [MailAddress]) -> [MailAddress] {
        var seen = Set<String>()
        return addresses.filter { seen.insert($0.address.lowercased()).inserted }
    }
}
