import Foundation
import XCTest

/// `swnet ftp-list` against a real FTP server (pyftpdlib) on loopback.
final class FTPListTests: XCTestCase {
    var servers: [FTPTestServer] = []
    override func tearDown() { servers.forEach { $0.stop() } }

    func server(_ mode: FTPTestServer.Mode = .mlsd, security: FTPTestServer.Security = .plain) throws -> FTPTestServer {
        let server = try FTPTestServer(root: FTPFixture.root, mode: mode, security: security)
        servers.append(server)
        return server
    }

    /// stdout as the JSON array --json prints, parsed by a real JSON parser.
    func entries(_ result: Harness.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: [String: Any]] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]],
                                  "stdout is not a JSON array: \(result.text)", file: file, line: line)
        var byName: [String: [String: Any]] = [:]
        for entry in array { byName[try XCTUnwrap(entry["name"] as? String, "\(entry)", file: file, line: line)] = entry }
        XCTAssertEqual(byName.count, array.count, "names repeat", file: file, line: line)
        return byName
    }

    // MARK: MLSD and LIST

    func testMLSDAndLISTGiveTheSameNamesTypesAndSizes() throws {
        let mlsdServer = try server(.mlsd)
        let mlsdRun = try Harness.swnet(["--json", "-v", "ftp-list", mlsdServer.url])
        XCTAssertTrue(mlsdRun.stderr.contains("the server offers MLSD"), mlsdRun.stderr)
        let mlsd = try entries(mlsdRun)

        let listServer = try server(.list)
        let listRun = try Harness.swnet(["--json", "-v", "ftp-list", listServer.url])
        XCTAssertTrue(listRun.stderr.contains("the server does not offer MLSD: listing with LIST"), listRun.stderr)
        let list = try entries(listRun)

        XCTAssertEqual(Set(mlsd.keys), Set(FTPFixture.names), "no . or .., nothing else")
        XCTAssertEqual(Set(list.keys), Set(FTPFixture.names))
        for name in FTPFixture.names {
            let (m, l) = (mlsd[name]!, list[name]!)
            XCTAssertEqual(m["type"] as? String, FTPFixture.types[name], name)
            XCTAssertEqual(l["type"] as? String, FTPFixture.types[name], name)
            XCTAssertEqual(m["size"] as? Int, l["size"] as? Int, name)
            if let size = FTPFixture.sizes[name]! { XCTAssertEqual(m["size"] as? Int, size, name) }
            XCTAssertEqual(m["permissions"] as? String, l["permissions"] as? String, name)
            XCTAssertEqual(m["target"] as? String, l["target"] as? String, name)
            // MLSD has seconds; LIST has minutes for recent files and only the date for old ones.
            let (mt, lt) = (try XCTUnwrap(m["modified"] as? String, name), try XCTUnwrap(l["modified"] as? String, name))
            XCTAssertEqual(mt.prefix(name == "old.txt" ? 10 : 16), lt.prefix(name == "old.txt" ? 10 : 16), name)
        }
        XCTAssertEqual(mlsd["big.bin"]?["size"] as? Int, 5_368_709_120)
        XCTAssertEqual(mlsd["link"]?["target"] as? String, "hello.txt")
        XCTAssertEqual(mlsd["hello.txt"]?["permissions"] as? String, "rw-r--r--")
        XCTAssertEqual(mlsd["old.txt"]?["modified"] as? String, "2020-01-02T03:04:05Z")
        XCTAssertEqual(list["old.txt"]?["modified"] as? String, "2020-01-02T00:00:00Z")
        XCTAssertTrue(mlsd["hello.txt"]?["target"] is NSNull)
        XCTAssertEqual(Set(mlsd["hello.txt"]!.keys), ["name", "type", "size", "modified", "permissions", "target", "raw"])
    }

    func testAServerThatOffersMLSDButRefusesItGetsLIST() throws {
        let server = try server(.brokenMLSD)
        let result = try Harness.swnet(["-v", "--json", "ftp-list", server.url])
        XCTAssertTrue(result.stderr.contains("the server refused MLSD (500"), result.stderr)
        XCTAssertEqual(Set(try entries(result).keys), Set(FTPFixture.names))
        // Forced MLSD gets no second chance: the server's refusal, exit 8.
        let forced = try Harness.swnet(["ftp-list", "--method", "mlsd", server.url])
        XCTAssertEqual(forced.status, 8, forced.stderr)
        XCTAssertTrue(forced.stderr.contains(": 500 "), forced.stderr)
    }

    func testMethodListForcesLISTOnAServerWithMLSD() throws {
        let server = try server(.mlsd)
        let result = try Harness.swnet(["-vv", "ftp-list", "--method", "list", "--raw", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("> FEAT"), "no probe when the method is forced")
        XCTAssertTrue(result.stderr.contains("> LIST"), result.stderr)
        XCTAssertTrue(result.text.contains("lrwxrwxrwx"), result.text)
        XCTAssertTrue(result.text.contains(" link -> hello.txt\n"), result.text)
    }

    // MARK: Output

    func testTableIsSortedByNameAndShowsLinkTargets() throws {
        let server = try server()
        let result = try Harness.swnet(["ftp-list", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let lines = result.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, FTPFixture.names.count)
        XCTAssertTrue(lines[0].hasPrefix("file  5368709120  "), lines[0])
        XCTAssertTrue(lines[0].hasSuffix("  big.bin"), lines[0])
        XCTAssertTrue(lines[4].hasPrefix("link  "), lines[4])
        XCTAssertTrue(lines[4].hasSuffix("  link -> hello.txt"), lines[4])
        XCTAssertTrue(lines[5].contains("  2020-01-02 03:04  old.txt"), lines[5])
        XCTAssertTrue(lines[7].hasPrefix("dir "), lines[7])
        XCTAssertTrue(lines[7].hasSuffix("  sub dir"), lines[7])
        // The columns line up: every name starts at the same place.
        let nameColumn = lines[0].count - "big.bin".count
        for (line, name) in zip(lines, FTPFixture.names) where name != "link" {
            XCTAssertEqual(line.count - name.count, nameColumn, line)
        }
    }

    func testNamesOnePerLineInByteOrderAndOtherOrders() throws {
        let server = try server(.list)
        let result = try Harness.swnet(["ftp-list", "--names", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, FTPFixture.names.joined(separator: "\n") + "\n")
        let bySize = try Harness.swnet(["ftp-list", "--names", "--sort", "size", server.url])
        XCTAssertEqual(bySize.text.split(separator: "\n").first, "big.bin")
        let byTime = try Harness.swnet(["ftp-list", "--names", "--sort=time", server.url])
        XCTAssertEqual(byTime.text.split(separator: "\n").last, "old.txt")
    }

    func testRawIsTheServersOwnLines() throws {
        let server = try server(.mlsd)
        let result = try Harness.swnet(["ftp-list", "--raw", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.text.split(separator: "\n")
        XCTAssertEqual(lines.count, FTPFixture.names.count)
        XCTAssertTrue(lines.allSatisfy { $0.contains("modify=") && !$0.hasSuffix("\r") }, result.text)
        let link = try XCTUnwrap(lines.first { $0.hasSuffix(" link") }, result.text)
        XCTAssertTrue(link.hasPrefix("type=OS.unix=slink:hello.txt;size=9;modify="), String(link))
    }

    func testSpacesInTheURLPath() throws {
        let server = try server(.list)
        let result = try Harness.swnet(["ftp-list", "--names", server.url + "sub dir"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "")
        let json = try Harness.swnet(["--json", "ftp-list", server.url + "sub%20dir/"])
        XCTAssertEqual(json.text, "[]\n")
    }

    // MARK: Logging in

    func testAnonymousIsTheDefault() throws {
        let server = try server()
        let result = try Harness.swnet(["-vv", "ftp-list", "--names", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("> USER anonymous\n"), result.stderr)
    }

    func testLoginAcceptedFromTheURLFromUserAndFromAPasswordFile() throws {
        let server = try server()
        let home = "inner.txt\n"  // anna's home is sub/
        let inURL = try Harness.swnet(["ftp-list", "--names", "ftp://anna:secret@127.0.0.1:\(server.port)/"])
        XCTAssertEqual(inURL.status, 0, inURL.stderr)
        XCTAssertEqual(inURL.text, home)
        let withUser = try Harness.swnet(["ftp-list", "--names", "-u", "anna:secret", server.url])
        XCTAssertEqual(withUser.text, home, withUser.stderr)

        let passwordFile = FTPFixture.scratch + "/password"
        try "secret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let fromFile = try Harness.swnet(["ftp-list", "--names", "-u", "anna", "--password-file", passwordFile, server.url])
        XCTAssertEqual(fromFile.text, home, fromFile.stderr)
        let userInURL = try Harness.swnet(["ftp-list", "--names", "--password-file", passwordFile, "ftp://anna@127.0.0.1:\(server.port)/"])
        XCTAssertEqual(userInURL.text, home, userInURL.stderr)
    }

    func testPasswordFromTheEnvironment() throws {
        let server = try server()
        setenv("SWNET_PASSWORD", "secret", 1)
        defer { unsetenv("SWNET_PASSWORD") }
        let result = try Harness.swnet(["ftp-list", "--names", "-u", "anna", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "inner.txt\n")
    }

    func testLoginFromANetrcFile() throws {
        let server = try server()
        let netrc = FTPFixture.scratch + "/netrc"
        try "machine 127.0.0.1 login anna password secret\n".write(toFile: netrc, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: netrc) }
        let result = try Harness.swnet(["ftp-list", "--names", "--netrc-file", netrc, server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "inner.txt\n")
        let missing = try Harness.swnet(["ftp-list", "--netrc-file", netrc + ".missing", server.url])
        XCTAssertEqual(missing.status, 10, missing.stderr)
    }

    func testANetrcFileGivesTheGivenUsersPassword() throws {
        let server = try server()
        let netrc = FTPFixture.scratch + "/netrc-two"
        // The first login for the host is another user's: only a user given picks anna's.
        try "machine 127.0.0.1 login bob password nope\nmachine 127.0.0.1 login anna password secret\n"
            .write(toFile: netrc, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: netrc) }
        let option = try Harness.swnet(["ftp-list", "--names", "--netrc-file", netrc, "-u", "anna", server.url])
        XCTAssertEqual(option.status, 0, option.stderr)
        XCTAssertEqual(option.text, "inner.txt\n")
        let inURL = try Harness.swnet(["ftp-list", "--names", "--netrc-file", netrc, "ftp://anna@127.0.0.1:\(server.port)/"])
        XCTAssertEqual(inURL.status, 0, inURL.stderr)
        XCTAssertEqual(inURL.text, "inner.txt\n")
        let first = try Harness.swnet(["ftp-list", "--names", "--netrc-file", netrc, server.url])
        XCTAssertEqual(first.status, 7, first.stderr)
    }

    func testRefusedLoginExits7WithTheServersReply() throws {
        let server = try server()
        let result = try Harness.swnet(["ftp-list", "-u", "anna:wrong", server.url])
        XCTAssertEqual(result.status, 7, result.stderr)
        XCTAssertEqual(result.stderr, "swnet: ftp-list: ftp://anna@127.0.0.1:\(server.port)/: 530 Authentication failed.\n")
        XCTAssertEqual(result.text, "")
        let json = try Harness.swnet(["--json", "ftp-list", "ftp://anna:wrong@127.0.0.1:\(server.port)/"])
        XCTAssertEqual(json.status, 7)
        let error = try XCTUnwrap(try json.json()["error"] as? [String: Any])
        XCTAssertEqual(error["code"] as? Int, 7)
        XCTAssertEqual(error["kind"] as? String, "auth")
        XCTAssertFalse(json.text.contains("wrong"), "the password never shows")
    }

    // MARK: Failures

    func testMissingDirectoryExits8WithTheServersReply() throws {
        let server = try server()
        let result = try Harness.swnet(["ftp-list", server.url + "missing"])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertEqual(result.stderr, "swnet: ftp-list: ftp://127.0.0.1:\(server.port)/missing/: 550 No such file or directory.\n")
        XCTAssertEqual(result.text, "")
    }

    func testRefusedConnectionExits4() throws {
        let port = Harness.refusedPort()
        let result = try Harness.swnet(["ftp-list", "ftp://127.0.0.1:\(port)/"])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: ftp-list: ftp://127.0.0.1:\(port)/: "), result.stderr)
    }

    func testUsageErrors() throws {
        for arguments in [["ftp-list", "--names", "--raw", "ftp://127.0.0.1/"], ["--json", "ftp-list", "--names", "ftp://127.0.0.1/"],
                          ["ftp-list", "--raw", "--sort", "size", "ftp://127.0.0.1/"], ["ftp-list", "http://127.0.0.1/"],
                          ["ftp-list", "--password-file", "/dev/null", "ftp://127.0.0.1/"], ["ftp-list"],
                          ["ftp-list", "--method", "nlst", "ftp://127.0.0.1/"]] {
            let result = try Harness.swnet(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            if arguments.contains("--json") {
                XCTAssertEqual(try result.json()["error"].flatMap { $0 as? [String: Any] }?["code"] as? Int, 2, result.text)
            } else {
                XCTAssertTrue(result.stderr.hasPrefix("swnet: "), result.stderr)
            }
        }
    }

    // MARK: Modes and the transcript

    func testActiveMode() throws {
        let server = try server()
        let result = try Harness.swnet(["-vv", "ftp-list", "--active", "--names", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, FTPFixture.names.joined(separator: "\n") + "\n")
        XCTAssertTrue(result.stderr.contains("> EPRT |1|127.0.0.1|") || result.stderr.contains("> PORT 127,0,0,1,"), result.stderr)
        XCTAssertFalse(result.stderr.contains("> EPSV"), result.stderr)
    }

    func testTranscriptShowsTheDialogueWithThePasswordRedacted() throws {
        let server = try server()
        let result = try Harness.swnet(["-vv", "ftp-list", "--names", "ftp://anna:secret@127.0.0.1:\(server.port)/"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "inner.txt\n", "stdout holds the listing only")
        XCTAssertTrue(result.stderr.contains("> USER anna\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("> PASS [redacted]\n"), result.stderr)
        XCTAssertFalse(result.stderr.contains("secret"), result.stderr)
        XCTAssertTrue(result.stderr.contains("> FEAT\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("> OPTS MLST type;size;modify;perm;unix.mode;\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("> MLSD\n"), result.stderr)
        // Passive mode by default, on a port from the server's range.
        let epsv = try XCTUnwrap(result.stderr.split(separator: "\n").first { $0.hasPrefix("< 229 ") }, result.stderr)
        let port = try XCTUnwrap(UInt16(epsv.split(separator: "|").dropLast().last ?? ""), String(epsv))
        XCTAssertTrue(server.passivePorts.contains(port), "\(port) not in \(server.passivePorts)")
        // One login for the probe and the listing: the connection is reused.
        XCTAssertEqual(result.stderr.components(separatedBy: "> USER ").count, 2, result.stderr)
    }

    // MARK: TLS

    func testExplicitTLSWithTheCACertificate() throws {
        let tls = FTPFixture.certificate
        let server = try server(security: .explicitTLS(certificate: tls.certificate, key: tls.key))
        let result = try Harness.swnet(["-vv", "ftp-list", "--tls", "--cacert", tls.certificate, "--names", "-u", "anna:secret", server.url])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "inner.txt\n")
        XCTAssertTrue(result.stderr.contains("> AUTH TLS\n"), result.stderr)
        XCTAssertTrue(result.stderr.contains("> PROT P\n"), "the data connection is protected too: \(result.stderr)")
        XCTAssertFalse(result.stderr.contains("secret"), result.stderr)
    }

    func testExplicitTLSFailsVerificationWithoutTheCACertificate() throws {
        let tls = FTPFixture.certificate
        let server = try server(security: .explicitTLS(certificate: tls.certificate, key: tls.key))
        let result = try Harness.swnet(["ftp-list", "--tls", server.url])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("swnet: ftp-list: ftp://127.0.0.1:\(server.port)/: "), result.stderr)
        XCTAssertTrue(result.stderr.lowercased().contains("certificate"), result.stderr)
        // -k accepts it.
        let insecure = try Harness.swnet(["ftp-list", "--tls", "-k", "--names", server.url])
        XCTAssertEqual(insecure.status, 0, insecure.stderr)
    }

    func testTLSRequiredFromAServerWithoutIt() throws {
        let server = try server()
        let result = try Harness.swnet(["ftp-list", "--tls", server.url])
        XCTAssertEqual(result.status, 6, result.stderr)
        XCTAssertTrue(result.stderr.contains("500 "), result.stderr)
    }

    func testImplicitTLS() throws {
        let tls = FTPFixture.certificate
        let server = try server(security: .implicitTLS(certificate: tls.certificate, key: tls.key))
        let result = try Harness.swnet(["ftp-list", "--cacert", tls.certificate, "--names", "ftps://127.0.0.1:\(server.port)/"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, FTPFixture.names.joined(separator: "\n") + "\n")
    }
}
