import Foundation

/// The certificates of the TLS tests, made once per test run by the
/// `openssl` command in a temporary folder (removed when the run ends):
///
///     root          "swnet test root CA", RSA 2048, self-signed: what --cacert trusts
///     intermediate  "swnet test intermediate CA", ECDSA P-384, signed by root
///     localhost     CN=localhost, SANs localhost, 127.0.0.1, ::1; 20 days
///     wrongName     CN=wrong.example, SAN wrong.example only
///     expired       like localhost, valid only in January 2020
///     client        CN=swnet test client, extendedKeyUsage clientAuth, signed by root
///     selfSigned    CN=localhost with localhost's SANs, its own issuer, trusted by nothing
///     revoked       like localhost, but revoked (keyCompromise) by the intermediate
///
/// Every leaf is ECDSA P-256 and, except client and selfSigned, signed by
/// the intermediate; its `chain` file holds the leaf then its issuer, so a
/// server presents a chain of two. `localhostOCSP` and `revokedOCSP` are
/// the intermediate's OCSP answers ("good" and "revoked") for localhost and
/// revoked, for servers that staple them.
enum TLSFixture {
    /// A certificate with its key and the chain file a server presents.
    struct Identity {
        let certificate: String
        let key: String
        /// The certificate followed by its issuer (just the certificate for selfSigned).
        let chain: String
    }

    static var root: String { folder + "/root.pem" }
    static var intermediate: String { folder + "/intermediate.pem" }
    static var localhost: Identity { identity("localhost") }
    static var wrongName: Identity { identity("wrong-name") }
    static var expired: Identity { identity("expired") }
    static var client: Identity { identity("client") }
    static var selfSigned: Identity { Identity(certificate: folder + "/self-signed.pem", key: folder + "/self-signed.key", chain: folder + "/self-signed.pem") }
    static var revoked: Identity { identity("revoked") }
    static var localhostOCSP: String { folder + "/localhost.ocsp.der" }
    static var revokedOCSP: String { folder + "/revoked.ocsp.der" }

    /// How long localhost, wrongName and client are valid from the moment they are made.
    static let validDays = 20

    private static func identity(_ name: String) -> Identity {
        Identity(certificate: folder + "/\(name).pem", key: folder + "/\(name).key", chain: folder + "/\(name).chain.pem")
    }

    /// The folder, with everything made on first use.
    static let folder: String = {
        let folder = NSTemporaryDirectory() + "swnet-tls-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", script, "make-certificates", folder, String(validDays)]
        let errors = Pipe()
        shell.standardError = errors
        shell.standardOutput = FileHandle.nullDevice
        try! shell.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        precondition(shell.terminationStatus == 0, "making the test certificates failed: \(message)")
        atexit { try? FileManager.default.removeItem(atPath: TLSFixture.folder) }
        return folder
    }()

    /// `sh -c script make-certificates FOLDER DAYS`. `openssl ca` signs the
    /// leaves, for its -startdate/-enddate (OpenSSL 3.0's x509 cannot date a
    /// certificate in the past) and for the index that `openssl ocsp` answers from.
    private static let script = #"""
    set -eu
    cd "$1"
    days=$2
    cat > openssl.cnf <<'CNF'
    [req]
    distinguished_name = dn
    prompt = no
    [dn]
    CN = unused

    [root_ca]
    basicConstraints = critical, CA:true
    keyUsage = critical, keyCertSign, cRLSign
    subjectKeyIdentifier = hash

    [intermediate_ca]
    basicConstraints = critical, CA:true, pathlen:0
    keyUsage = critical, keyCertSign, cRLSign
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid

    [server]
    basicConstraints = CA:false
    keyUsage = critical, digitalSignature, keyEncipherment
    extendedKeyUsage = serverAuth
    subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
    subjectKeyIdentifier = hash
    authorityKeyIdentifier = keyid

    [wrong_name]
    basicConstraints = CA:false
    keyUsage = critical, digitalSignature, keyEncipherment
    extendedKeyUsage = serverAuth
    subjectAltName = DNS:wrong.example
    authorityKeyIdentifier = keyid

    [client]
    basicConstraints = CA:false
    keyUsage = critical, digitalSignature
    extendedKeyUsage = clientAuth
    authorityKeyIdentifier = keyid

    [ca]
    default_ca = signer
    [signer]
    database = index.txt
    serial = serial
    new_certs_dir = issued
    default_md = sha256
    policy = any
    unique_subject = no
    email_in_dn = no
    [any]
    commonName = supplied
    CNF
    mkdir issued
    : > index.txt
    echo 1000 > serial

    openssl req -x509 -new -newkey rsa:2048 -nodes -config openssl.cnf -extensions root_ca \
        -subj "/CN=swnet test root CA" -days $((days + 40)) -keyout root.key -out root.pem 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -config openssl.cnf \
        -subj "/CN=swnet test intermediate CA" -keyout intermediate.key -out intermediate.csr 2>/dev/null
    openssl ca -batch -notext -config openssl.cnf -cert root.pem -keyfile root.key -extensions intermediate_ca \
        -days $((days + 30)) -in intermediate.csr -out intermediate.pem 2>/dev/null

    # leaf NAME SUBJECT EXTENSIONS ISSUER CA-OPTIONS...: an ECDSA P-256 key and a certificate ISSUER signs.
    leaf() {
        name=$1 subject=$2 extensions=$3 issuer=$4
        shift 4
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -config openssl.cnf \
            -subj "$subject" -keyout "$name.key" -out "$name.csr" 2>/dev/null
        openssl ca -batch -notext -config openssl.cnf -cert "$issuer.pem" -keyfile "$issuer.key" \
            -extensions "$extensions" -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
        cat "$name.pem" "$issuer.pem" > "$name.chain.pem"
    }
    leaf localhost "/CN=localhost" server intermediate -days "$days"
    leaf wrong-name "/CN=wrong.example" wrong_name intermediate -days "$days"
    leaf expired "/CN=localhost" server intermediate -startdate 20200101000000Z -enddate 20200201000000Z
    leaf revoked "/CN=localhost" server intermediate -days "$days"
    openssl ca -config openssl.cnf -cert intermediate.pem -keyfile intermediate.key -revoke revoked.pem \
        -crl_reason keyCompromise 2>/dev/null
    # Signed by the root itself, so a server that trusts the root accepts it without a chain.
    leaf client "/CN=swnet test client" client root -days "$days"

    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -config openssl.cnf -extensions server \
        -subj "/CN=localhost" -days "$days" -keyout self-signed.key -out self-signed.pem 2>/dev/null

    openssl ocsp -index index.txt -CA intermediate.pem -rsigner intermediate.pem -rkey intermediate.key \
        -issuer intermediate.pem -cert localhost.pem -ndays 7 -respout localhost.ocsp.der >/dev/null
    openssl ocsp -index index.txt -CA intermediate.pem -rsigner intermediate.pem -rkey intermediate.key \
        -issuer intermediate.pem -cert revoked.pem -ndays 7 -respout revoked.ocsp.der >/dev/null
    chmod 600 ./*.key
    """#
}
