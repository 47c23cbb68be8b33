@testable import SwnetCommands
import XCTest

/// MLSD lines (RFC 3659 facts) as ProFTPD, vsftpd, Pure-FTPd, IIS and pyftpdlib send them.
final class ListingMLSDTests: XCTestCase {
    func parse(_ line: String, file: StaticString = #filePath, line number: UInt = #line) throws -> ListingEntry {
        try XCTUnwrap(MLSDParser.parse(line), "not understood: \(line)", file: file, line: number)
    }

    func testLinkTargetWithASpaceKeepsTheFactsApartFromTheName() throws {
        let entry = try parse("type=OS.unix=slink:file one.txt;size=12;modify=20240517150405;unix.mode=0777; my link")
        XCTAssertEqual(entry.name, "my link")
        XCTAssertEqual(entry.kind, .link)
        XCTAssertEqual(entry.target, "file one.txt")
        XCTAssertEqual(entry.size, 12)
        XCTAssertEqual(entry.modified?.rfc3339, "2024-05-17T15:04:05Z")
    }

    func testFileWithAllFacts() throws {
        let entry = try parse("type=file;size=1024;modify=20240517150405;perm=adfrw;unix.mode=0644; notes.txt")
        XCTAssertEqual(entry.name, "notes.txt")
        XCTAssertEqual(entry.kind, .file)
        XCTAssertEqual(entry.size, 1024)
        XCTAssertEqual(entry.modified?.rfc3339, "2024-05-17T15:04:05Z")
        XCTAssertEqual(entry.modified?.precision, .second)
        XCTAssertEqual(entry.permissions, "rw-r--r--")  // unix.mode wins over perm
        XCTAssertNil(entry.target)
    }

    func testDirectoryWithFractionalSecondsAndPermFactOnly() throws {
        let entry = try parse("type=dir;modify=20240517150405.123;perm=flcdmpe; pub")
        XCTAssertEqual(entry.kind, .dir)
        XCTAssertNil(entry.size)
        XCTAssertEqual(entry.modified?.rfc3339, "2024-05-17T15:04:05.123Z")
        XCTAssertEqual(entry.permissions, "flcdmpe")
        XCTAssertEqual(try parse("type=dir;sizd=4096; withsizd").size, 4096)
    }

    func testCurrentAndParentDirectoriesBecomeDotAndDotDot() throws {
        let current = try parse("type=cdir;perm=el;modify=20240517150405; /home/anna")
        XCTAssertEqual(current.name, ".")
        XCTAssertTrue(current.isSelfOrParent)
        XCTAssertEqual(try parse("type=pdir;perm=el; ..").name, "..")
        XCTAssertEqual(try parse("Type=pdir; /home").name, "..")
    }

    func testFactNamesAndTypesAreCaseInsensitive() throws {
        let entry = try parse("Type=File;Size=5368709120;Modify=20200102030405;UNIX.mode=0755; BIG.ISO")
        XCTAssertEqual(entry.kind, .file)
        XCTAssertEqual(entry.size, 5_368_709_120)
        XCTAssertEqual(entry.modified?.rfc3339, "2020-01-02T03:04:05Z")
        XCTAssertEqual(entry.permissions, "rwxr-xr-x")
        XCTAssertEqual(entry.name, "BIG.ISO")
    }

    func testSymlinksAsUnixExtensions() throws {
        let slink = try parse("type=OS.unix=slink:/etc/hosts;size=10;modify=20240517150405; hosts")
        XCTAssertEqual(slink.kind, .link)
        XCTAssertEqual(slink.target, "/etc/hosts")
        XCTAssertEqual(slink.size, 10)
        let symlink = try parse("type=OS.unix=symlink;size=7; latest")
        XCTAssertEqual(symlink.kind, .link)
        XCTAssertNil(symlink.target)
        XCTAssertEqual(try parse("type=OS.unix=chr-1/3; null").kind, .other)
        XCTAssertEqual(try parse("type=OS.unix=blk-8/0; sda").kind, .other)
        XCTAssertEqual(try parse("size=3; no type").kind, .other)
    }

    func testPyftpdlibFacts() throws {
        // Python's oct() spelling of the mode, as pyftpdlib sends it.
        let entry = try parse("modify=20261121113734;perm=r;size=3;type=file;unix.mode=0o644; with space.txt")
        XCTAssertEqual(entry.name, "with space.txt")
        XCTAssertEqual(entry.permissions, "rw-r--r--")
        XCTAssertEqual(entry.size, 3)
    }

    func testUnixModesWithSpecialBits() {
        XCTAssertEqual(MLSDParser.symbolicMode("4755"), "rwsr-xr-x")
        XCTAssertEqual(MLSDParser.symbolicMode("1777"), "rwxrwxrwt")
        XCTAssertEqual(MLSDParser.symbolicMode("2644"), "rw-r-Sr--")
        XCTAssertEqual(MLSDParser.symbolicMode("100644"), "rw-r--r--")
        XCTAssertEqual(MLSDParser.symbolicMode("644"), "rw-r--r--")
        XCTAssertEqual(MLSDParser.symbolicMode("0"), "---------")
        XCTAssertNil(MLSDParser.symbolicMode("0x1ff"))
        XCTAssertNil(MLSDParser.symbolicMode("899"))
        XCTAssertNil(MLSDParser.symbolicMode(""))
    }

    func testNamesKeepSpacesSemicolonsEqualsAndNonASCII() throws {
        XCTAssertEqual(try parse("type=file;size=1; name;with;semicolons = and equals").name, "name;with;semicolons = and equals")
        XCTAssertEqual(try parse("type=file;size=12;modify=20240517150405; café ünïcode.txt").name, "café ünïcode.txt")
        XCTAssertNil(MLSDParser.parse("type=file; "), "an empty name is no entry")
    }

    func testLineWithoutFactsIsANameOfUnknownType() throws {
        let entry = try parse(" name-without-facts")
        XCTAssertEqual(entry.name, "name-without-facts")
        XCTAssertEqual(entry.kind, .other)
    }

    func testBadTimesAreUnknownButTheEntryStays() throws {
        XCTAssertNil(try parse("type=file;modify=2024051715; short").modified)
        XCTAssertNil(try parse("type=file;modify=20241317150405; month13").modified)
        XCTAssertNil(try parse("type=file;modify=20240517150405.; dot").modified)
        XCTAssertNil(try parse("type=file;size=-5; negative").size)
    }

    func testLinesThatAreNotMLSD() {
        XCTAssertNil(MLSDParser.parse("garbage"))
        XCTAssertNil(MLSDParser.parse("type file; x"))
        XCTAssertNil(MLSDParser.parse("=file; x"))
        XCTAssertNil(MLSDParser.parse("type=file;"))
    }
}
