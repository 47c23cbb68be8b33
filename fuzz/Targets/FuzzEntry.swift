import Glibc

/// The fuzz targets, by the name SWNET_FUZZ_TARGET gives. Each takes the
/// fuzzer's bytes to one parser of outside input and checks what must hold
/// of its result; a broken promise traps, which libFuzzer reports as a crash.
let fuzzTargets: [(name: String, run: (FuzzInput) -> Void)] = [
    ("command-line", CommandLineTarget.run),
    ("duration-size", DurationSizeTarget.run),
    ("host-port", HostPortTarget.run),
    ("list-unix", ListingTargets.unix),
    ("list-dos", ListingTargets.dos),
    ("mlsd", ListingTargets.mlsd),
    ("ftp-replies", FTPRepliesTarget.run),
    ("smtp-replies", SMTPRepliesTarget.run),
    ("mail", MailTarget.run),
    ("http-headers", HTTPHeadersTarget.run),
    ("cache-entry", CacheEntryTarget.run),
    ("remote-name", RemoteNameTarget.run),
    ("daytime", DaytimeTarget.run),
    ("certificate", CertificateTarget.run),
    ("proxy-header", ProxyHeaderTarget.run),
    // join here when the PROXY protocol parser and tls-info's summary land.
]

nonisolated(unsafe) private var selected: ((FuzzInput) -> Void)?

/// Picks the target once, before the first input; an unknown name ends the run.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> Int32 {
    let name = getenv("SWNET_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = fuzzTargets.first(where: { $0.name == name }) else {
        let names = fuzzTargets.map(\.name).joined(separator: " ")
        fputs("swnet-fuzz: set SWNET_FUZZ_TARGET to one of: \(names)\n", stderr)
        _exit(2)
    }
    // Local times (daytime --local, mail dates) must not depend on the machine.
    setenv("TZ", "UTC", 1)
    selected = target.run
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selected?(FuzzInput(bytes))
    return 0
}
