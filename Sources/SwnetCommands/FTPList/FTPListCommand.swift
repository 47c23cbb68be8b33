import CCurl
import Glibc
import SwnetCLI
import SwnetCore
import SwnetTransfer

/// `swnet ftp-list`: an FTP directory as a table, names or JSON, read from
/// MLSD when the server offers it and from LIST (Unix or DOS style) when not.
enum FTPListCommand: Command {
    static let name = "ftp-list"
    static let spec = CommandSpec(
        name, summary: "List an FTP or FTPS directory as a table, names or JSON",
        arguments: [
            ArgumentSpec("URL", help: "ftp://[USER[:PASS]@]HOST[:PORT]/PATH/, or ftps:// for implicit TLS; the path is a directory, relative to the login directory (%2F at its start makes it absolute), and a missing final / is added"),
        ],
        options: [
            OptionSpec("user", short: "u", .text, placeholder: "USER[:PASS]",
                       help: "Log in as USER instead of anonymous (also instead of a user in the URL); without PASS the password comes from --password-file, else SWNET_PASSWORD, else a prompt on the terminal"),
            OptionSpec("password-file", .file, help: "Read the password from the first line of FILE"),
            OptionSpec("active", help: "Active mode: the server connects back (EPRT, then PORT) instead of the default passive mode (EPSV, then PASV)"),
            OptionSpec("tls", help: "Require explicit FTPS: AUTH TLS before the login, and TLS on the data connection too; ftps:// URLs use implicit TLS instead"),
            OptionSpec("method", .choice(FTPDirectoryFetch.Method.allCases.map(\.rawValue)), placeholder: "HOW", default: "auto",
                       help: "How to list: MLSD when the server's FEAT reply offers it, else LIST (auto); or force MLSD or LIST"),
            OptionSpec("names", help: "Print only the names, one a line (no link targets)"),
            OptionSpec("raw", help: "Print the server's own lines, in its order, including . and .."),
            OptionSpec("sort", .choice(ListingOutput.Order.allCases.map(\.rawValue)), placeholder: "KEY", default: "name",
                       help: "Order entries by name (byte order, the same everywhere), time (newest first), size (largest first), or none (as the server sent them)"),
        ] + FetchOptions.specs + TransferOptions.specs,
        discussion: [
            "The table has one line per entry: type (file, dir, link, other), size in bytes, modification time, and the name; a link shows as name -> target, and - stands where the server did not say. Times are UTC: MLSD sends UTC, and LIST times are taken as the server writes them, since LIST does not say the zone; for LIST's older files only the date is known. The entries . and .. are left out.",
            "--json prints one array of {\"name\",\"type\",\"size\",\"modified\",\"permissions\",\"target\",\"raw\"}: modified in RFC 3339 (UTC, midnight when only the date is known), permissions as ls shows them (rw-r--r--) when the server tells the Unix mode, else MLSD's perm fact (such as flr), and null wherever the server did not say; raw is the server's line.",
            "LIST is read in the Unix (ls -l) and DOS/Windows (dir) styles. A line that is neither is never dropped: the table and --names show it as sent (marked ? in the table), --json gives it with name null and its raw text, and a note on stderr counts such lines.",
            "A refused login exits 7 and a refused directory or command exits 8, with the server's reply in the message: swnet: ftp-list: ftp://host/missing/: 550 No such file or directory.",
        ],
        examples: [
            Example("swnet ftp-list ftp://ftp.example.com/pub/", "List a directory anonymously"),
            Example("swnet ftp-list -u anna --password-file ~/.ftp-pass --tls ftp://files.example.com/reports/", "Log in over explicit FTPS"),
            Example("swnet ftp-list --names ftp://ftp.example.com/pub/ | grep '\\.iso$'", "Names only, for a script"),
            Example("swnet --json ftp-list ftp://ftp.example.com/pub/ | jq '.[] | select(.type == \"file\") | .size'", "Sizes of the files, as JSON"),
        ])

    static func run(_ invocation: Invocation, _ context: Context) throws -> ExitCode {
        let console = context.console
        let style = try outputStyle(invocation, json: console.json)
        let url = try FTPURL(invocation.arguments[0])

        let fetchOptions = try FetchOptions(invocation)
        let handle = try EasyHandle()
        try TransferOptions.check(invocation)
        try TransferOptions.apply(invocation, to: handle, console: console)
        // Through an HTTP proxy, a tunnel: the FTP dialogue stays ours.
        try fetchOptions.apply(to: handle, tunnel: true)
        try handle.set(CURLOPT_PROTOCOLS_STR, "ftp,ftps")
        let login = try self.login(invocation, url: url, options: fetchOptions)
        try login?.apply(to: handle)
        try handle.set(CURLOPT_URL, login?.located(in: url.location) ?? url.location)
        let user = login?.user
        if invocation.isSet("tls") {
            try handle.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
            // RFC 4217's AUTH TLS first (libcurl's default tries the older AUTH SSL first).
            try handle.set(CURLOPT_FTPSSLAUTH, Int(CURLFTPAUTH_TLS.rawValue))
        }
        // "-": the address of the control connection, and any free port.
        if invocation.isSet("active") { try handle.set(CURLOPT_FTPPORT, "-") }
        if let family = context.family { try handle.set(CURLOPT_IPRESOLVE, Int(family == .v4 ? CURL_IPRESOLVE_V4 : CURL_IPRESOLVE_V6)) }

        let method = FTPDirectoryFetch.Method(rawValue: invocation.text("method")!)!
        let fetch = FTPDirectoryFetch(handle: handle, target: url.display(user: user), console: console, invocation: invocation)
        let listing = try fetch.run(method, now: Int64(time(nil)))

        let order = ListingOutput.Order(rawValue: invocation.text("sort")!)!
        console.out.write(ListingOutput.render(listing, style: style, order: order))
        console.verbose("\(listing.entries.count) entries from \(listing.format.rawValue)")
        let unparsed = listing.unparsedCount
        if unparsed > 0 && style != .raw {
            console.note("ftp-list: \(counted(unparsed, "line")) of the \(listing.format.rawValue) reply not understood, shown as sent")
        }
        return .success
    }

    /// The table unless --names, --raw or --json says otherwise; at most one of them.
    private static func outputStyle(_ invocation: Invocation, json: Bool) throws -> ListingOutput.Style {
        var chosen: [(String, ListingOutput.Style)] = []
        if invocation.isSet("names") { chosen.append(("--names", .names)) }
        if invocation.isSet("raw") { chosen.append(("--raw", .raw)) }
        if json { chosen.append(("--json", .json)) }
        guard chosen.count <= 1 else {
            throw SwnetError.usage(chosen.map(\.0).joined(separator: " and ") + " exclude each other: choose one output")
        }
        let style = chosen.first?.1 ?? .table
        if style == .raw && invocation.isSet("sort") {
            throw SwnetError.usage("--raw prints the server's lines in its order: --sort does not apply")
        }
        return style
    }

    /// Who logs in: -u, else the user in the URL, else anonymous (libcurl's
    /// `anonymous` with password `ftp@example.com`) or the host's .netrc
    /// login (nil). A password goes to libcurl through its own option, never
    /// in the URL.
    private static func login(_ invocation: Invocation, url: FTPURL, options: FetchOptions) throws -> FetchOptions.Login? {
        let passwordFile = invocation.text("password-file")
        if let text = invocation.text("user") {
            return try options.login(text, passwordFile: passwordFile, offersPasswordFile: true)
        } else if let user = url.user {
            return try url.password.map { .credentials(Credentials(user: user, password: $0)) }
                ?? options.login(user, passwordFile: passwordFile, offersPasswordFile: true)
        } else if passwordFile != nil {
            throw SwnetError.usage("--password-file needs a user: give -u USER or ftp://USER@HOST/")
        }
        return nil
    }
}
