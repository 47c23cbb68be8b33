@testable import SwnetCommands
import SwnetCore
import XCTest

/// The pieces of ftp-list that talk about the protocol rather than the
/// listing: the URL, the server's replies, and FEAT.
final class FTPProtocolTests: XCTestCase {
    // MARK: URL

    func testURLWithUserPasswordPortAndPath() throws {
        let url = try FTPURL("ftp://anna:s%40cret@127.0.0.1:2121/pub/data")
        XCTAssertEqual(url.scheme, "ftp")
        XCTAssertEqual(url.user, "anna")
        XCTAssertEqual(url.password, "s@cret")
        XCTAssertEqual(url.authority, "127.0.0.1:2121")
        XCTAssertEqual(url.path, "/pub/data/")
        // libcurl gets no credentials; messages show the user, never the password.
        XCTAssertEqual(url.location, "ftp://127.0.0.1:2121/pub/data/")
        XCTAssertEqual(url.display, "ftp://anna@127.0.0.1:2121/pub/data/")
    }

    func testURLDefaultsAndSchemes() throws {
        XCTAssertEqual(try FTPURL("ftp://host").location, "ftp://host/")
        XCTAssertEqual(try FTPURL("FTPS://host/x/").location, "ftps://host/x/")
        XCTAssertEqual(try FTPURL("ftp.example.com/pub").location, "ftp://ftp.example.com/pub/")
        XCTAssertEqual(try FTPURL("ftp://[::1]:2121/").authority, "[::1]:2121")
        XCTAssertNil(try FTPURL("ftp://host/").user)
        // An @ in the password may be written as it is: the last @ ends the user part.
        XCTAssertEqual(try FTPURL("ftp://anna:p@ss@host/").password, "p@ss")
        XCTAssertEqual(try FTPURL("ftp://anna@host/").password, nil)
    }

    func testURLPathIsEncodedForLibcurl() throws {
        XCTAssertEqual(try FTPURL("ftp://host/my dir/café").location, "ftp://host/my%20dir/caf%C3%A9/")
        XCTAssertEqual(try FTPURL("ftp://host/%2Fetc/").location, "ftp://host/%2Fetc/")
        XCTAssertEqual(try FTPURL("ftp://host/what?#/").location, "ftp://host/what%3F%23/")
        XCTAssertEqual(try FTPURL("ftp://host/my dir").display, "ftp://host/my dir/")
    }

    func testURLErrorsAreUsageErrors() {
        for text in ["http://host/", "ftp:///path/", "ftp://user@/x", "ftp://:21/"] {
            XCTAssertThrowsError(try FTPURL(text), text) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage, text)
            }
        }
    }

    // MARK: Replies

    func replies(_ text: String, chunk: Int = 1000) -> FTPReplies {
        let replies = FTPReplies()
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { replies.record($0) }
        }
        return replies
    }

    func testLastReplyIsTheFinalLineOfTheLastReply() {
        let seen = replies("220 ready\r\n331 send password\r\n530-Login refused\r\n530-because\r\n530 Authentication failed.\r\n", chunk: 7)
        XCTAssertEqual(seen.lines.count, 5)
        XCTAssertEqual(seen.last?.code, 530)
        XCTAssertEqual(seen.last?.line, "530 Authentication failed.")
        XCTAssertEqual(seen.lastRefusal, "530 Authentication failed.")
    }

    func testNoRefusalAfterSuccess() {
        let seen = replies("211-Features:\r\n MLST type*;\r\n211 End\r\n")
        XCTAssertEqual(seen.last?.code, 211)
        XCTAssertNil(seen.lastRefusal)
        XCTAssertNil(FTPReplies().last)
        XCTAssertNil(FTPReplies.finalCode(" MLST type*;"))
        XCTAssertNil(FTPReplies.finalCode("211-Features"))
        XCTAssertEqual(FTPReplies.finalCode("226"), 226)
    }

    // MARK: FEAT

    func testPyftpdlibFeatures() {
        let features = FTPFeatures(replies: [
            "211-Features supported:", " EPRT", " EPSV", " MDTM",
            " MLST type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;",
            " REST STREAM", " SIZE", " TVFS", " UTF8", "211 End FEAT.",
        ])
        XCTAssertTrue(features.offersMLSD)
        XCTAssertEqual(features.facts.count, 8)
        XCTAssertEqual(features.facts.first, FTPFeatures.Fact(name: "type", enabled: true))
        // unix.mode is offered but off: ask for it, naming the ones already on again.
        XCTAssertEqual(features.optsCommand, "OPTS MLST type;size;modify;perm;unix.mode;")
    }

    func testFactsAlreadyOnNeedNoOPTSAndSpellingIsKept() {
        let proftpd = FTPFeatures(replies: ["211-Features:", " MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;", "211 End"])
        XCTAssertTrue(proftpd.offersMLSD)
        XCTAssertNil(proftpd.optsCommand)
        let partial = FTPFeatures(replies: ["211-Features:", " MLST Type*;Size;Modify*;", "211 End"])
        XCTAssertEqual(partial.optsCommand, "OPTS MLST Type;Size;Modify;")
    }

    func testServersWithoutMLST() {
        let old = FTPFeatures(replies: ["211-Extensions supported:", " SIZE", " MDTM", "211 END"])
        XCTAssertFalse(old.offersMLSD)
        XCTAssertNil(old.optsCommand)
        XCTAssertFalse(FTPFeatures(replies: ["500 FEAT not understood"]).offersMLSD)
        XCTAssertFalse(FTPFeatures(replies: ["211 no features"]).offersMLSD)
        // A reply line that merely mentions MLST is not a feature line.
        XCTAssertFalse(FTPFeatures(replies: ["211 MLST is not here"]).offersMLSD)
        // Nor is a line of another reply, such as a greeting banner.
        XCTAssertFalse(FTPFeatures(replies: ["220-Welcome", " MLST type*;", "220 ready", "211-Features:", " SIZE", "211 End"]).offersMLSD)
    }

    func testUnusualFEATReplies() {
        // MLSD on a line of its own, as some servers list it.
        XCTAssertTrue(FTPFeatures(replies: ["211-Features:", " MLSD", "211 End"]).offersMLSD)
        // The code repeated on every line, and no leading space.
        let repeated = FTPFeatures(replies: ["211-Features:", "211-MDTM", "211-MLST type*;size*;modify*;", "211 End"])
        XCTAssertTrue(repeated.offersMLSD)
        XCTAssertEqual(repeated.facts.map(\.name), ["type", "size", "modify"])
        XCTAssertTrue(FTPFeatures(replies: ["211-Features:", "MLST type*;", "211 End"]).offersMLSD)
        // The whole session's replies, as the probe hands them over.
        let session = FTPFeatures(replies: ["220 ready", "331 password", "230 in", "257 \"/\"", "211-Features:", " MLST type*;", "211 End.", "250 CWD ok"])
        XCTAssertTrue(session.offersMLSD)
    }

    // MARK: Time

    func testCalendarArithmetic() {
        XCTAssertEqual(ListingTime.daysFromCivil(year: 1970, month: 1, day: 1), 0)
        XCTAssertEqual(ListingTime.daysFromCivil(year: 2000, month: 3, day: 1), 11_017)
        XCTAssertTrue(ListingTime.civilFromDays(11_017) == (2000, 3, 1))
        XCTAssertTrue(ListingTime.date(epochSeconds: -1) == (1969, 12, 31))
        XCTAssertEqual(ListingTime(year: 2024, month: 5, day: 17, hour: 15, minute: 4, second: 5, precision: .second)?.epochSeconds, 1_715_958_245)
        XCTAssertNil(ListingTime(year: 2023, month: 2, day: 29, precision: .day))
        XCTAssertNotNil(ListingTime(year: 2000, month: 2, day: 29, precision: .day))
        XCTAssertNil(ListingTime(year: 1900, month: 2, day: 29, precision: .day))
        let late = ListingTime(year: 2024, month: 12, day: 31, hour: 23, minute: 30, precision: .minute)!
        XCTAssertEqual(late.adding(seconds: 3600).rfc3339, "2025-01-01T00:30:00Z")
    }
}
