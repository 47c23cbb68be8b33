@testable import SwnetCommands
import SwnetCore
import XCTest

/// The table, --names, --raw, --json and --sort.
final class ListingOutputTests: XCTestCase {
    let listing = Listing(lines: [
        "total 9",
        "drwxr-xr-x    2 ftp      ftp          4096 May 17 15:04 sub",
        "-rw-r--r--    1 ftp      ftp     5368709120 Jan  2  2020 big.iso",
        "???",
        "lrwxrwxrwx    1 ftp      ftp             7 Jun  1 09:00 latest -> big.iso",
        "-rw-r--r--    1 ftp      ftp            12 May 17 15:04 Zebra",
        "crw-rw-rw-    1 root     root       1,   3 Jun  1 09:00 null",
    ], format: .list, now: ListingUnixTests.now)

    func testTableAlignsColumnsAndShowsLinkTargetsAndUnreadLines() {
        XCTAssertEqual(ListingOutput.render(listing, style: .table, order: .name), """
        file           12  2024-05-17 15:04  Zebra
        file   5368709120  2020-01-02        big.iso
        link            7  2024-06-01 09:00  latest -> big.iso
        other           -  2024-06-01 09:00  null
        dir          4096  2024-05-17 15:04  sub
        ?               -  -                 ???

        """)
    }

    func testNamesAreByteOrderedWithUnreadLinesLastAsSent() {
        // Byte order: upper case before lower case, as LC_ALL=C ls.
        XCTAssertEqual(ListingOutput.render(listing, style: .names, order: .name), "Zebra\nbig.iso\nlatest\nnull\nsub\n???\n")
        XCTAssertEqual(ListingOutput.render(listing, style: .names, order: .none), "sub\nbig.iso\n???\nlatest\nZebra\nnull\n")
    }

    func testRawIsTheServersLinesAsSent() {
        XCTAssertEqual(ListingOutput.render(listing, style: .raw, order: .name), listing.lines.joined(separator: "\n") + "\n")
    }

    func testSortByTimeNewestFirstAndBySizeLargestFirstUnknownLast() {
        let byTime = ListingOutput.sorted(listing.entries, by: .time).map { $0.name ?? "?" }
        XCTAssertEqual(byTime, ["latest", "null", "Zebra", "sub", "big.iso", "?"])
        let bySize = ListingOutput.sorted(listing.entries, by: .size).map { $0.name ?? "?" }
        XCTAssertEqual(bySize, ["big.iso", "sub", "Zebra", "latest", "null", "?"])
    }

    func testJSONHasEveryFieldWithNullsWhereUnknown() {
        let entries = Listing(lines: [
            "type=file;size=5;modify=20240517150405.5;perm=r; a.txt",
            "type=OS.unix=slink:a.txt; ln",
            "no facts here",
        ], format: .mlsd, now: 0).entries
        XCTAssertEqual(ListingOutput.json(entries).rendered, """
        [{"name":"a.txt","type":"file","size":5,"modified":"2024-05-17T15:04:05.5Z","permissions":"r","target":null,"raw":"type=file;size=5;modify=20240517150405.5;perm=r; a.txt"},\
        {"name":"ln","type":"link","size":null,"modified":null,"permissions":null,"target":"a.txt","raw":"type=OS.unix=slink:a.txt; ln"},\
        {"name":null,"type":"other","size":null,"modified":null,"permissions":null,"target":null,"raw":"no facts here"}]
        """)
        XCTAssertEqual(ListingOutput.render(Listing(lines: [], format: .mlsd, now: 0), style: .json, order: .name), "[]\n")
    }

    func testTableShowsControlCharactersAsQuestionMarks() {
        let entries = [ListingEntry(name: "evil\u{1B}[31mred\u{7}", kind: .file, size: 1, raw: "")]
        XCTAssertEqual(ListingOutput.table(entries), "file  1  -  evil?[31mred?\n")
        XCTAssertEqual(ListingOutput.table([]), "")
    }
}
