import SwnetCLI
import SwnetCommands
import XCTest

/// The committed completions and man page are what the command table
/// generates now: change the table, run scripts/generate-docs, commit both.
final class GeneratedFilesTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func assertCommitted(_ path: String, equals generated: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent(path), encoding: .utf8)
        XCTAssertTrue(committed == generated, "\(path) differs from what the command table generates: run scripts/generate-docs", file: file, line: line)
    }

    func testCompletionsMatchTheTable() throws {
        try assertCommitted("completions/swnet.bash", equals: BashCompletion.script(for: Program.spec))
        try assertCommitted("completions/_swnet", equals: ZshCompletion.script(for: Program.spec))
        try assertCommitted("completions/swnet.fish", equals: FishCompletion.script(for: Program.spec))
    }

    func testManPageMatchesTheTable() throws {
        try assertCommitted("man/swnet.1", equals: ManPage.page(for: Program.spec))
    }

    func testGeneratedFilesSayTheyAreGenerated() {
        for text in [BashCompletion.script(for: Program.spec), ZshCompletion.script(for: Program.spec),
                     FishCompletion.script(for: Program.spec), ManPage.page(for: Program.spec)] {
            XCTAssertTrue(text.split(separator: "\n").prefix(3).contains { $0.contains("generated") && $0.contains("do not edit") })
        }
    }

    func testEveryOptionIsInTheManPageAndTheCompletions() {
        let man = ManPage.page(for: Program.spec)
        let bash = BashCompletion.script(for: Program.spec)
        let fish = FishCompletion.script(for: Program.spec)
        let zsh = ZshCompletion.script(for: Program.spec)
        for command in Program.spec.commands {
            XCTAssertTrue(man.contains(".SS \"swnet \(command.name) "), command.name)
            for option in command.options {
                XCTAssertTrue(man.contains("\\-\\-" + option.long.split(separator: "-").joined(separator: "\\-")), "man lacks --\(option.long)")
                XCTAssertTrue(bash.contains("--" + option.long), "bash lacks --\(option.long)")
                XCTAssertTrue(fish.contains("-l " + option.long), "fish lacks --\(option.long)")
                XCTAssertTrue(zsh.contains("--" + option.long), "zsh lacks --\(option.long)")
            }
        }
    }
}
