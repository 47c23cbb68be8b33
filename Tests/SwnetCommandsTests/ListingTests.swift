@testable import SwnetCommands
import XCTest

/// Whole listings: line splitting, charsets, the lines that are not entries,
/// and that no line is ever dropped.
final class ListingTests: XCTestCase {
    let now = ListingUnixTests.now

    func testLinesSplitAtCRLFAndLFWithOrWithoutAFinalLineEnd() {
        XCTAssertEqual(Listing.lines(Array("a\r\nb\nc".utf8)), ["a", "b", "c"])
        XCTAssertEqual(Listing.lines(Array("a\r\n\r\nb\r\n".utf8)), ["a", "", "b"])
        XCTAssertEqual(Listing.lines([]), [])
        // A lone CR inside a line is the line's.
        XCTAssertEqual(Listing.lines(Array("a\rb\n".utf8)), ["a\rb"])
    }

    func testLinesThatAreNotUTF8AreReadAsLatin1() {
        let bytes: [UInt8] = Array("-rw-r--r-- 1 ftp ftp 3 May 17 15:04 caf".utf8) + [0xE9] + Array(".txt\r\n".utf8)
        let listing = Listing(body: bytes, format: .list, now: now)
        XCTAssertEqual(listing.entries.map(\.name), ["café.txt"])
        XCTAssertEqual(Listing.lines(Array("café\n".utf8)), ["café"])
    }

    func testUnixListingSkipsTotalBlankDotAndDotDotAndKeepsWhatItCannotRead() {
        let lines = [
            "total 24",
            "drwxr-xr-x    3 ftp      ftp          4096 May 17 15:04 .",
            "drwxr-xr-x    9 ftp      ftp          4096 Jan  2  2020 ..",
            "-rw-r--r--    1 ftp      ftp            12 May 17 15:04 readme.txt",
            "",
            "this line is no listing",
            "lrwxrwxrwx    1 ftp      ftp             9 May 17 15:04 latest -> readme.txt",
        ]
        let listing = Listing(lines: lines, format: .list, now: now)
        XCTAssertEqual(listing.lines, lines)
        XCTAssertEqual(listing.entries.map(\.name), ["readme.txt", nil, "latest"])
        XCTAssertEqual(listing.entries[1], .unparsed("this line is no listing"))
        XCTAssertEqual(listing.entries[1].kind, .other)
        XCTAssertEqual(listing.unparsedCount, 1)
    }

    func testMixedUnixAndDOSLinesAreBothRead() {
        let listing = Listing(lines: [
            "05-17-24  03:04PM       <DIR>          Documents",
            "-rw-r--r--    1 ftp      ftp            12 May 17 15:04 readme.txt",
        ], format: .list, now: now)
        XCTAssertEqual(listing.entries.map(\.kind), [.dir, .file])
        XCTAssertEqual(listing.unparsedCount, 0)
    }

    func testMLSDListingLeavesOutCdirAndPdirAndKeepsUnreadableLines() {
        let listing = Listing(body: Array("""
        type=cdir;perm=el;modify=20240517150405; /pub\r
        type=pdir;perm=el;modify=20240517150405; /\r
        type=file;size=5;modify=20240517150405; hello.txt\r
        not facts at all\r
        type=dir;modify=20240517150405; sub dir\r

        """.utf8), format: .mlsd, now: now)
        XCTAssertEqual(listing.entries.map(\.name), ["hello.txt", nil, "sub dir"])
        XCTAssertEqual(listing.entries[1].raw, "not facts at all")
        XCTAssertEqual(listing.lines.count, 5)
    }

    func testAWholeVsftpdListing() {
        let listing = Listing(body: Array("""
        drwxr-xr-x    2 0        0            4096 Mar 02  2023 debian\r
        -rw-r--r--    1 0        0       4700372992 Jun 10 18:42 debian-12.5.0-amd64-DVD-1.iso\r
        lrwxrwxrwx    1 0        0              33 Jun 10 18:45 latest -> debian-12.5.0-amd64-DVD-1.iso\r
        -rw-r--r--    1 0        0             377 Feb 10  2024 README\r
        drwxr-xr-x    4 1001     1001         4096 Jun 14 09:15 pub incoming\r

        """.utf8), format: .list, now: now)
        XCTAssertEqual(listing.unparsedCount, 0)
        XCTAssertEqual(listing.entries.map(\.name), ["debian", "debian-12.5.0-amd64-DVD-1.iso", "latest", "README", "pub incoming"])
        XCTAssertEqual(listing.entries.map(\.kind), [.dir, .file, .link, .file, .dir])
        XCTAssertEqual(listing.entries[1].size, 4_700_372_992)
        XCTAssertEqual(listing.entries[2].target, "debian-12.5.0-amd64-DVD-1.iso")
        XCTAssertEqual(listing.entries.map { $0.modified?.rfc3339 ?? "" }, [
            "2023-03-02T00:00:00Z", "2024-06-10T18:42:00Z", "2024-06-10T18:45:00Z", "2024-02-10T00:00:00Z", "2024-06-14T09:15:00Z",
        ])
    }

    func testAWholeIISListing() {
        let listing = Listing(body: Array("""
        02-11-24  10:15AM       <DIR>          aspnet_client\r
        06-01-24  04:30PM                 2048 default.htm\r
        06-01-24  04:31PM           6442450944 backup 2024.bak\r
        12-25-98  11:59PM                  512 legacy.txt\r

        """.utf8), format: .list, now: now)
        XCTAssertEqual(listing.unparsedCount, 0)
        XCTAssertEqual(listing.entries.map(\.name), ["aspnet_client", "default.htm", "backup 2024.bak", "legacy.txt"])
        XCTAssertEqual(listing.entries.map(\.size), [nil, 2048, 6_442_450_944, 512])
        XCTAssertEqual(listing.entries[3].modified?.rfc3339, "1998-12-25T23:59:00Z")
    }

    func testAnEmptyListingHasNoEntries() {
        XCTAssertEqual(Listing(body: [], format: .mlsd, now: now).entries, [])
        XCTAssertEqual(Listing(lines: ["total 0"], format: .list, now: now).entries, [])
    }
}
