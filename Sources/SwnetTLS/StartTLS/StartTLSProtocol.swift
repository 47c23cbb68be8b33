/// The protocols `--starttls` speaks: the plaintext upgrade each one has,
/// as `openssl s_client -starttls` performs it.
public enum StartTLSProtocol: String, CaseIterable, Sendable {
    case smtp, imap, pop3, ftp, postgres

    /// The standard port of the protocol's plaintext service.
    public var standardPort: UInt16 {
        switch self {
        case .smtp: return 25
        case .imap: return 143
        case .pop3: return 110
        case .ftp: return 21
        case .postgres: return 5432
        }
    }

    /// A fresh dialogue for one connection; `clientName` is what SMTP's
    /// EHLO announces.
    public func dialogue(clientName: String = "localhost") -> any StartTLSDialogue {
        switch self {
        case .smtp: return LineDialogue.smtp(clientName: clientName)
        case .imap: return LineDialogue.imap
        case .pop3: return LineDialogue.pop3
        case .ftp: return LineDialogue.ftp
        case .postgres: return PostgresSSLRequest()
        }
    }
}
