@testable import SwnetCommands
import XCTest

/// `ls -l` lines as real servers send them (vsftpd, ProFTPD, Pure-FTPd,
/// pyftpdlib, NAS and embedded servers, GNU ls with --time-style).
final class ListingUnixTests: XCTestCase {
    /// 2024-06-15T12:00:00Z: recent files without a year fall in 2024 or 2023 from here.
    static let now = ListingTime.daysFromCivil(year: 2024, month: 6, day: 15) * 86_400 + 12 * 3600

    func parse(_ line: String, now: Int64 = ListingUnixTests.now, file: StaticString = #filePath, line number: UInt = #line) throws -> ListingEntry {
        try XCTUnwrap(UnixListParser.parse(line, now: now), "not understood: \(line)", file: file, line: number)
    }

    func testDirectoryWithTimeOfDay() throws {
        let entry = try parse("drwxr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub")
        XCTAssertEqual(entry.name, "pub")
        XCTAssertEqual(entry.kind, .dir)
        XCTAssertEqual(entry.size, 4096)
        XCTAssertEqual(entry.permissions, "rwxr-xr-x")
        XCTAssertEqual(entry.modified?.rfc3339, "2024-05-17T15:04:00Z")
        XCTAssertEqual(entry.modified?.precision, .minute)
        XCTAssertNil(entry.target)
        XCTAssertEqual(entry.raw, "drwxr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub")
    }

    func testOldFileWithYearSpacesInNameAndSizeAboveFourGibibytes() throws {
        let entry = try parse("-rw-r--r--    1 1000     1000   5368709120 Jan  2  2020 big file.iso")
        XCTAssertEqual(entry.name, "big file.iso")
        XCTAssertEqual(entry.kind, .file)
        XCTAssertEqual(entry.size, 5_368_709_120)
        XCTAssertEqual(entry.modified?.rfc3339, "2020-01-02T00:00:00Z")
        XCTAssertEqual(entry.modified?.precision, .day)
        XCTAssertEqual(entry.modified?.shortText, "2020-01-02")
    }

    func testSymlinkWithTarget() throws {
        let entry = try parse("lrwxrwxrwx    1 root     root            7 May 17 15:04 latest -> pub/v2")
        XCTAssertEqual(entry.name, "latest")
        XCTAssertEqual(entry.kind, .link)
        XCTAssertEqual(entry.target, "pub/v2")
        XCTAssertEqual(entry.size, 7)
        // Only the first arrow separates; later ones are the target's.
        let odd = try parse("lrwxrwxrwx 1 u g 9 May 17 15:04 a b -> c -> d")
        XCTAssertEqual(odd.name, "a b")
        XCTAssertEqual(odd.target, "c -> d")
        // A link without " -> " keeps its whole name and no target.
        let bare = try parse("lrwxrwxrwx 1 u g 9 May 17 15:04 dangling")
        XCTAssertEqual(bare.name, "dangling")
        XCTAssertNil(bare.target)
        // An arrow in a file's name is part of the name.
        XCTAssertEqual(try parse("-rw-r--r-- 1 u g 9 May 17 15:04 a -> b").name, "a -> b")
    }

    /// Found by the list-unix fuzz target: an arrow with nothing after it
    /// gave an empty target, and one with nothing before it an empty name.
    func testAnArrowSplitsOnlyBetweenANameAndATarget() throws {
        let found = try parse("lrwxrwxrwx 1 u g 9 May 17 15:04 a b -> ")
        XCTAssertEqual(found.name, "a b -> ")
        XCTAssertNil(found.target)
        let nameless = try parse("lrwxrwxrwx 1 u g 9 May 17 15:04  -> x")
        XCTAssertEqual(nameless.name, " -> x")
        XCTAssertNil(nameless.target)
    }

    func testDeviceFilesHaveNoSize() throws {
        let char = try parse("crw-rw-rw-    1 root     root       1,   3 Jun  1 09:00 null")
        XCTAssertEqual(char.name, "null")
        XCTAssertEqual(char.kind, .other)
        XCTAssertNil(char.size)
        XCTAssertEqual(char.modified?.rfc3339, "2024-06-01T09:00:00Z")
        let block = try parse("brw-rw----    1 root     disk       8,0 Jan  1  2020 sda")
        XCTAssertEqual(block.name, "sda")
        XCTAssertEqual(block.kind, .other)
        XCTAssertNil(block.size)
    }

    func testPipesAndSocketsAreOther() throws {
        let fifo = try parse("prw-r--r--    1 root     root            0 Jun  1 10:00 fifo")
        XCTAssertEqual(fifo.kind, .other)
        XCTAssertEqual(fifo.size, 0)
        XCTAssertEqual(try parse("srwxrwxrwx    1 root     root            0 Jun  1 10:00 socket").kind, .other)
    }

    func testGNULongISOAndFullISODates() throws {
        let long = try parse("-rw-r--r--    1 ftp      ftp           512 2024-05-17 15:04 iso-dated.txt")
        XCTAssertEqual(long.name, "iso-dated.txt")
        XCTAssertEqual(long.modified?.rfc3339, "2024-05-17T15:04:00Z")
        // full-iso carries a zone, the one LIST time whose zone is known: made UTC.
        let full = try parse("-rw-r--r-- 1 ftp ftp 512 2024-05-17 01:04:05.123456789 +0200 full iso.txt")
        XCTAssertEqual(full.name, "full iso.txt")
        XCTAssertEqual(full.modified?.rfc3339, "2024-05-16T23:04:05.123456789Z")
    }

    func testRecentDatesTakeTheYearThatIsNotInTheFuture() throws {
        // On 2024-06-15, "Dec 31 23:59" cannot be 2024: it is 2023.
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 0 Dec 31 23:59 new-year.txt").modified?.rfc3339, "2023-12-31T23:59:00Z")
        // A day ahead is clock skew between time zones, not last year.
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 0 Jun 16 08:00 tomorrow.txt").modified?.rfc3339, "2024-06-16T08:00:00Z")
        // February 29 seen in a year without one belongs to the last leap year.
        let march2025 = ListingTime.daysFromCivil(year: 2025, month: 3, day: 1) * 86_400
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 0 Feb 29 10:00 leap.txt", now: march2025).modified?.rfc3339, "2024-02-29T10:00:00Z")
        // A single-digit hour, as some servers write it.
        XCTAssertEqual(try parse("-rw-rw-rw-   1 owner   group    7045120 Jun 02  3:47 music.mp3").modified?.rfc3339, "2024-06-02T03:47:00Z")
    }

    func testModeMarkersAndSpecialBits() throws {
        XCTAssertEqual(try parse("-rw-r--r--+   1 user     staff        10 Mar  3  2021 acl.txt").permissions, "rw-r--r--")
        XCTAssertEqual(try parse("-rw-r--r--@   1 user     staff        10 Mar  3  2021 mac.txt").name, "mac.txt")
        XCTAssertEqual(try parse("-rw-r--r--.   1 user     staff        10 Mar  3  2021 selinux.txt").name, "selinux.txt")
        XCTAssertEqual(try parse("drwxrwxrwt   10 root     root       4096 Jun 15 10:00 tmp").permissions, "rwxrwxrwt")
        XCTAssertEqual(try parse("-rwsr-xr-x    1 root     root      54256 Mar 14  2023 passwd").permissions, "rwsr-xr-x")
        XCTAssertEqual(try parse("-rw-r-Sr-T    1 root     root          1 Mar 14  2023 odd").permissions, "rw-r-Sr-T")
    }

    func testOwnersGroupsAndLinkCountsMayBeMissingOrNumeric() throws {
        XCTAssertEqual(try parse("-rw-r--r--   1 1001     1001         123 Jun 10 08:00 numeric").size, 123)
        let noGroup = try parse("-rw-r--r--   1 ftp   1234 May 17 15:04 nogroup.txt")
        XCTAssertEqual(noGroup.name, "nogroup.txt")
        XCTAssertEqual(noGroup.size, 1234)
        let noLinks = try parse("drwxr-xr-x folder        0 May 17 15:04 Incoming")
        XCTAssertEqual(noLinks.name, "Incoming")
        XCTAssertEqual(noLinks.kind, .dir)
        XCTAssertEqual(noLinks.size, 0)
        // An owner and group that look like months do not pass for the date.
        let monthly = try parse("-rw-r--r--   1 jan      dec          42 May 17 15:04 owned.txt")
        XCTAssertEqual(monthly.name, "owned.txt")
        XCTAssertEqual(monthly.size, 42)
        XCTAssertEqual(monthly.modified?.rfc3339, "2024-05-17T15:04:00Z")
        // Owner names with spaces (Windows servers in Unix mode) still leave the size before the date.
        let spaced = try parse("-rwxrwxrwx   1 Domain Users  group         1803128 Jul 10 10:18 file.exe")
        XCTAssertEqual(spaced.size, 1_803_128)
        XCTAssertEqual(spaced.name, "file.exe")
    }

    func testNamesKeepTheirSpacesNonASCIIAndLookalikeDates() throws {
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 3 May 17 15:04 café.txt").name, "café.txt")
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 3 May 17 15:04 Übersicht 日本語.txt").name, "Übersicht 日本語.txt")
        // ls pads the columns before the name, never the name: one space separates, the others are the name's.
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 3 May 17 15:04  two  spaces ").name, " two  spaces ")
        XCTAssertEqual(try parse("-rw-r--r-- 1 ftp ftp 3 Jan  1  2020  lead").name, " lead")
        // A name that looks like a date is a name: the first date after the size is the date.
        let report = try parse("-rw-r--r-- 1 ftp ftp 100 May 17 15:04 Report Jun 01 2020.txt")
        XCTAssertEqual(report.name, "Report Jun 01 2020.txt")
        XCTAssertEqual(report.modified?.rfc3339, "2024-05-17T15:04:00Z")
    }

    func testVsftpdAndProFTPDListings() throws {
        // vsftpd with numeric ids.
        let vsftpd = try parse("-rw-r--r--    1 0        0         1048576 Feb 10  2022 1M.bin")
        XCTAssertEqual(vsftpd.name, "1M.bin")
        XCTAssertEqual(vsftpd.size, 1_048_576)
        XCTAssertEqual(vsftpd.modified?.shortText, "2022-02-10")
        // ProFTPD.
        let proftpd = try parse("drwxr-sr-x   5 ftp      ftp          4096 Jun 14 23:59 debian-security")
        XCTAssertEqual(proftpd.permissions, "rwxr-sr-x")
        XCTAssertEqual(proftpd.modified?.shortText, "2024-06-14 23:59")
    }

    func testLinesInOtherStylesAreNotUnix() {
        for line in [
            "garbage line that is no listing",
            "drwxr-xr-x  pub",
            "total 12",
            "05-17-24  03:04PM       <DIR>          Documents",
            "type=file;size=1; x",
            "-rw-r--r-- 1 ftp ftp notanumber May 17 15:04 x",
            "-rw-r--r-- 1 ftp ftp 12 May 17 15:04",
            "-rw-r--r-- 1 ftp ftp 12 Foo 17 15:04 x",
            "-rw-r--r-- 1 ftp ftp 12 Feb 30 15:04 x",
            "zrw-r--r-- 1 ftp ftp 12 May 17 15:04 x",
            "-rw-r--r-q 1 ftp ftp 12 May 17 15:04 x",
        ] {
            XCTAssertNil(UnixListParser.parse(line, now: ListingUnixTests.now), line)
        }
    }

    func testModeLettersOutOfPlaceAreNotAMode() {
        XCTAssertNil(UnixListParser.parse("dxrwr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub", now: Self.now))
        XCTAssertNil(UnixListParser.parse("-rw-r--r-w    1 ftp      ftp             1 May 17 15:04 odd", now: Self.now))
        XCTAssertNotNil(UnixListParser.parse("drwxrwsr-t    2 ftp      ftp          4096 May 17 15:04 shared", now: Self.now))
        // In a listing such a line is kept as sent, not dropped.
        let listing = Listing(body: Array("dxrwr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub\r\ntotal 8\r\n".utf8), format: .list, now: Self.now)
        XCTAssertEqual(listing.entries.map(\.name), [nil])
        XCTAssertEqual(listing.entries.first?.raw, "dxrwr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub")
        XCTAssertEqual(listing.lines.count, 2, "--raw keeps the total line")
    }
}
