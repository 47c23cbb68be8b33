@testable import SwnetCommands
import XCTest

/// `dir`-style lines as IIS and other Windows servers send them.
final class ListingDOSTests: XCTestCase {
    func parse(_ line: String, file: StaticString = #filePath, line number: UInt = #line) throws -> ListingEntry {
        try XCTUnwrap(DOSListParser.parse(line), "not understood: \(line)", file: file, line: number)
    }

    func testIISDirectoryAndFile() throws {
        let dir = try parse("05-17-24  03:04PM       <DIR>          Documents")
        XCTAssertEqual(dir.name, "Documents")
        XCTAssertEqual(dir.kind, .dir)
        XCTAssertNil(dir.size)
        XCTAssertNil(dir.permissions)
        XCTAssertEqual(dir.modified?.rfc3339, "2024-05-17T15:04:00Z")

        let file = try parse("05-17-24  03:04PM                 1234 annual report.pdf")
        XCTAssertEqual(file.name, "annual report.pdf")
        XCTAssertEqual(file.kind, .file)
        XCTAssertEqual(file.size, 1234)
    }

    func testFourDigitYearsAndSizesAboveFourGibibytes() throws {
        let entry = try parse("01-02-2023  11:30AM         5368709120 disk.iso")
        XCTAssertEqual(entry.size, 5_368_709_120)
        XCTAssertEqual(entry.modified?.rfc3339, "2023-01-02T11:30:00Z")
    }

    func testTwelveHourClockAroundMidnightAndNoon() throws {
        XCTAssertEqual(try parse("12-31-99  12:00AM                    0 y2k.txt").modified?.rfc3339, "1999-12-31T00:00:00Z")
        XCTAssertEqual(try parse("01-01-00  12:30PM                   10 noon.txt").modified?.rfc3339, "2000-01-01T12:30:00Z")
        XCTAssertEqual(try parse("03-04-21  01:05am                   10 lower.txt").modified?.rfc3339, "2021-03-04T01:05:00Z")
        // AM/PM as a word of its own.
        let spaced = try parse("05-17-24  03:04 PM       <DIR>          spaced ampm")
        XCTAssertEqual(spaced.name, "spaced ampm")
        XCTAssertEqual(spaced.modified?.rfc3339, "2024-05-17T15:04:00Z")
    }

    func testTwentyFourHourClockSlashesISODatesAndGroupedDigits() throws {
        let slashes = try parse("05/17/2024  15:04       <DIR>          logs")
        XCTAssertEqual(slashes.name, "logs")
        XCTAssertEqual(slashes.modified?.rfc3339, "2024-05-17T15:04:00Z")
        let iso = try parse("2024-05-17  15:04        1,234,567 grouped.bin")
        XCTAssertEqual(iso.size, 1_234_567)
        XCTAssertEqual(iso.name, "grouped.bin")
    }

    func testNonASCIINamesAndJunctions() throws {
        XCTAssertEqual(try parse("05-17-24  03:04PM                   12 Résumé 2024.docx").name, "Résumé 2024.docx")
        let junction = try parse("06-15-24  09:41AM    <JUNCTION>     Link Name [C:\\Users\\Public]")
        XCTAssertEqual(junction.kind, .link)
        XCTAssertEqual(junction.name, "Link Name")
        XCTAssertEqual(junction.target, "C:\\Users\\Public")
        // Empty brackets name no target: they are part of the name.
        let empty = try parse("06-15-24  09:41AM    <SYMLINK>      Link Name []")
        XCTAssertEqual(empty.name, "Link Name []")
        XCTAssertNil(empty.target)
    }

    func testLinesInOtherStylesAreNotDOS() {
        for line in [
            "drwxr-xr-x    2 ftp      ftp          4096 May 17 15:04 pub",
            "05-17-24  13:04PM     1 bad-hour.txt",
            "02-30-24  03:04PM     1 bad-day.txt",
            "05-17-24  03:04PM     <DIR>",
            "05-17-24  03:04PM     -12 negative.txt",
            "05-17-24  nonsense     12 x",
            "17.05.2024 15:04 12 dotted",
            "garbage",
        ] {
            XCTAssertNil(DOSListParser.parse(line), line)
        }
    }
}
