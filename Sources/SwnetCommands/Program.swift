import SwnetCLI

/// The command table: every command and global option swnet has, declared
/// once. Parsing, help, completions and the man page all read it.
public enum Program {
    public static let version = "0.1.0"
    /// The manual's date: changed with the version, so the page is reproducible.
    static let date = "2026-11-21"

    static let commands: [any Command.Type] = [
        ServeCommand.self, ConnectCommand.self, ListenCommand.self, ForwardCommand.self, UDPSendCommand.self, HTTPGetCommand.self,
        FTPListCommand.self, SMTPSendCommand.self, TLSInfoCommand.self, CompletionCommand.self,
    ]

    public static let globalOptions: [OptionSpec] = [
        OptionSpec("help", short: "h", help: "Show help for swnet or for the command"),
        OptionSpec("version", short: "V", help: "Print the version and exit"),
        OptionSpec("verbose", short: "v", repeatable: true, help: "Say more on stderr; -vv also shows the protocol transcript"),
        OptionSpec("quiet", short: "q", help: "Print no diagnostics, only errors"),
        OptionSpec("json", help: "Write JSON on stdout: one document, or one object a line for streams"),
        OptionSpec("ipv4", short: "4", excludes: ["ipv6"], help: "Use IPv4 addresses only"),
        OptionSpec("ipv6", short: "6", help: "Use IPv6 addresses only"),
        OptionSpec("color", .choice(["auto", "always", "never"]), placeholder: "WHEN", default: "auto",
                   help: "Colour diagnostics: auto colours a terminal unless NO_COLOR is set"),
    ]

    static let help = CommandSpec(
        "help", summary: "Show help for swnet or for a command",
        arguments: [ArgumentSpec("COMMAND", .choice(commands.map { $0.name } + ["help"]), optional: true, help: "The command to explain")],
        options: [OptionSpec("man", help: "Print the manual page (roff) instead")])

    public static let spec = ProgramSpec(
        name: "swnet", version: version, date: date,
        summary: "everyday network jobs from one consistent command line",
        description: [
            "swnet does the everyday network jobs of the shell from one consistent command line: run a small standard service, talk to a port (over TLS too), scan ports or wait for one to open, wait for a client, forward a port, check a certificate, send a datagram, fetch a URL, list an FTP directory, send a mail.",
            "stdout carries data: what was received, a body, a listing. stderr carries diagnostics, prefixed swnet:. Nothing decorative goes to a pipe: progress bars and colour appear only on a terminal. Errors read swnet: COMMAND: what failed: why, naming the address or file, and the exit status says what kind of failure it was (see EXIT STATUS). Each kind is worded one way in every command: 127.0.0.1:7/tcp: connection refused (proxy 127.0.0.1:3128/tcp: ... when it is the proxy's), resolve NAME: ..., no connection within 10s (--connect-timeout), the server did not finish its handshake within 10s (--connect-timeout, ...), no data for 30s (--idle-timeout), gave up after 5m (--timeout or --max-time). A stdout that cannot take the data, because its reader went away (| head) or it was closed at start (>&-), is such a failure for every command: exit 10, swnet: COMMAND: cannot write stdout: broken pipe. Data is never dropped in silence; a command that writes nothing to stdout does not mind.",
            "With --json, stdout holds only JSON: one document, or one object a line (NDJSON) for streams of events: a server's, or several URLs'. A scan is one document. Errors are JSON too: {\"error\": {\"code\": 4, \"kind\": \"connect\", \"message\": \"...\"}}; a command that fails after doing part of its job (a scan whose --wait ran out, udp-send, smtp-send, http-get) writes its one report with the error inside as \"error\". swnet without a command is a usage error (exit 2).",
            "Durations take units: 250ms, 2s, 1.5m, 1h, 30d; a bare number is seconds. A time limit (--connect-timeout, --idle-timeout, --timeout, --max-time, --wait, --reply) must be above 0 in every command: 0 is a usage error, since tools disagree whether it means at once or never; leave out a limit that has no default to have none. A pause (--grace, --interval, --retry-delay) may be 0. Sizes take K, M and G (powers of 1024). An option that does not apply to what was asked, or that contradicts another, is a usage error naming both, never ignored; each option below says where it applies. HOST:PORT is name:port, 1.2.3.4:port or [::1]:port, or HOST PORT as two arguments; the port may be a service name such as http. localhost and the names under it are the loopback (127.0.0.1 and ::1) in every command, never looked up (RFC 6761). A source address (-s) that cannot be bound exits 10, named as the source.",
        ],
        globalOptions: globalOptions,
        entries: commands.map { command in CommandEntry(command.name) { command.spec } } + [CommandEntry(help.name) { help }],
        environment: [
            ("SWNET_PASSWORD", "The password for -u/--user when the option gives none (http-get, ftp-list, smtp-send)."),
            ("SWNET_PROXY_PASSWORD", "The password for --proxy-user when the option gives none (http-get, ftp-list)."),
            ("NO_COLOR", "When set and not empty, --color auto does not colour (https://no-color.org)."),
            ("http_proxy, https_proxy, ftp_proxy, all_proxy, no_proxy", "Proxies for http-get and ftp-list, as curl reads them; -x and --noproxy come first."),
            ("SWNET_CACHE", "When set and not empty, http-get uses its cache in this folder, as with --cache=DIR; set empty, the cache is off."),
            ("XDG_CACHE_HOME", "The cache of http-get --cache is $XDG_CACHE_HOME/swnet/http when this is an absolute path, else ~/.cache/swnet/http."),
        ],
        examples: [
            Example("swnet connect -q -z --wait 30s localhost:5432 >/dev/null || exit 1", "Wait for a port in a script, at most 30 seconds"),
            Example("swnet http-get -q -o /dev/null http://localhost:8080/health; [ $? -eq 0 ] || echo unhealthy", "A health check that reads the exit status: 8 for an HTTP error, 4 when refused, 5 on a timeout"),
            Example("swnet --json connect -z 127.0.0.1:1-1024 | jq -r '.ports[] | select(.state == \"open\") | .port'", "The open ports of a scan, with jq"),
            Example("coproc SERVER { exec swnet serve echo --port 0 --json -b 127.0.0.1 --tcp; }; read -r line <&\"${SERVER[0]}\"; port=$(jq .port <<<\"$line\")", "Start a server on a free port in a bash coprocess and learn the port; kill \"$SERVER_PID\" stops it"),
        ],
        seeAlso: ["nc(1)", "ncat(1)", "socat(1)", "curl(1)", "swaks(1)", "inetd(8)"],
        standards: [
            "RFC 862 (echo), RFC 863 (discard), RFC 864 (chargen), RFC 867 (daytime); RFC 8305 (Happy Eyeballs); RFC 959 and RFC 3659 (FTP, MLSD); RFC 5321 (SMTP), RFC 5322 (message format), RFC 2045 and RFC 2047 (MIME); RFC 9110 (HTTP), RFC 9111 (HTTP caching).",
        ])
}
