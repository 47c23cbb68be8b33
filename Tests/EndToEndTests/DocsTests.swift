import Foundation
import XCTest

/// The generated completions in the real shells, the man page under
/// mandoc and man, every shell script under shellcheck, and the installer.
final class DocsTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a program to its end and returns its status and stdout (stderr appended).
    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], limit: TimeInterval = 60) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func path(_ relative: String) -> String { Self.repository.appendingPathComponent(relative).path }

    func testBashCompletesCommandsOptionsAndChoices() throws {
        let script = """
        source /usr/share/bash-completion/bash_completion
        source "$1"
        complete_line() {
            COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
            COMPREPLY=(); _swnet; echo "${COMPREPLY[*]}"
        }
        complete_line swnet ""
        complete_line swnet con
        complete_line swnet serve ""
        complete_line swnet connect --idle
        complete_line swnet connect --stdin-eof ""
        complete_line swnet --color ""
        complete_line swnet -v --color never serve --p
        complete_line swnet completion ""
        """
        let (status, output) = try run("/bin/bash", ["-c", script, "bash", path("completions/swnet.bash")])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 8, output)
        XCTAssertTrue(lines[0].hasPrefix("serve connect listen forward udp-send http-get ftp-list smtp-send tls-info completion help"), lines[0])
        XCTAssertEqual(lines[1], "connect")
        XCTAssertEqual(lines[2], "daytime echo discard chargen")
        XCTAssertEqual(lines[3], "--idle-timeout")
        XCTAssertEqual(lines[4], "shutdown keep close")
        XCTAssertEqual(lines[5], "auto always never")
        XCTAssertEqual(lines[6], "--port")
        XCTAssertEqual(lines[7], "bash zsh fish")
    }

    func testZshLoadsUnderCompinitAndCompletesCommands() throws {
        // An interactive zsh on a pseudo-terminal (zpty), asked to complete `swnet <TAB>`.
        let script = """
        zmodload zsh/zpty
        zpty -b z zsh -f -i
        zpty -w z "PS1='%% '; fpath=($1 \\$fpath); autoload -Uz compinit; compinit -u -D"
        zpty -w z "setopt nobeep nolistbeep; LISTMAX=0; echo READY"
        # Wait for the shell to be ready (the echo of the command, then its output) before typing.
        output=""
        for i in {1..100}; do
            zpty -r -t z chunk && output+=$chunk
            [[ $output == *READY*READY* ]] && break
            sleep 0.1
        done
        output=""
        zpty -w -n z $'swnet \\t'
        for i in {1..100}; do
            zpty -r -t z chunk && output+=$chunk
            [[ $output == *smtp-send* && $output == *completion* && $output == *udp-send* ]] && break
            sleep 0.1
        done
        zpty -d z
        print -r -- "$output"
        """
        let (status, output) = try run("/usr/bin/zsh", ["-f", "-c", script, "zsh", path("completions")])
        XCTAssertEqual(status, 0, output)
        for command in ["serve", "connect", "udp-send", "http-get", "ftp-list", "smtp-send", "completion"] {
            XCTAssertTrue(output.contains(command), "zsh did not offer \(command): \(output)")
        }
    }

    func testFishParsesAndCompletesServices() throws {
        let file = path("completions/swnet.fish")
        let (syntax, syntaxOutput) = try run("/usr/bin/fish", ["-n", file])
        XCTAssertEqual(syntax, 0, syntaxOutput)
        let (status, output) = try run("/usr/bin/fish", ["-c", "source \(file); complete -C 'swnet serve '; complete -C 'swnet --col'"])
        XCTAssertEqual(status, 0, output)
        let words = output.split(separator: "\n").map { $0.split(separator: "\t")[0] }
        for service in ["daytime", "echo", "discard", "chargen", "--color"] {
            XCTAssertTrue(words.contains(Substring(service)), "fish did not offer \(service): \(output)")
        }
    }

    func testManPageIsLintCleanAndRenders() throws {
        let (lint, lintOutput) = try run("/usr/bin/mandoc", ["-Tlint", path("man/swnet.1")])
        XCTAssertEqual(lint, 0, lintOutput)
        XCTAssertEqual(lintOutput, "")
        let (status, page) = try run("/usr/bin/man", ["-l", path("man/swnet.1")], environment: ["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"])
        XCTAssertEqual(status, 0, page)
        for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES", "SEE ALSO", "STANDARDS"] {
            XCTAssertTrue(page.contains(heading), "the rendered page lacks \(heading)")
        }
    }

    func testShellcheckPassesOnEveryShellScript() throws {
        let (listed, files) = try run("/usr/bin/git", ["ls-files", "-co", "--exclude-standard", "scripts", "bench", ".ci", "completions"])
        XCTAssertEqual(listed, 0, files)
        let scripts = files.split(separator: "\n").map(String.init).filter { name in
            guard !name.hasSuffix(".c"), !name.hasSuffix(".md"), !name.hasSuffix(".fish"), name != "completions/_swnet",
                  let head = try? String(contentsOfFile: path(name), encoding: .utf8).prefix(80) else { return false }
            return head.hasPrefix("#!/usr/bin/env bash") || head.hasPrefix("#!/bin/bash") || head.hasPrefix("#!/bin/sh") || name.hasSuffix(".bash") || name.hasSuffix(".sh")
        }
        XCTAssertTrue(scripts.contains("scripts/test") && scripts.contains(".ci/run") && scripts.contains("completions/swnet.bash"), "\(scripts)")
        let (status, output) = try run("/usr/bin/shellcheck", ["-x", "-s", "bash"] + scripts)
        XCTAssertEqual(status, 0, output)
    }

    func testInstallPutsEveryFileWhereItsShellLooks() throws {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-install-\(getpid())")
        defer { try? FileManager.default.removeItem(at: destination) }
        let (status, output) = try run("/bin/bash", [path("scripts/install")],
                                       environment: ["PREFIX": "/opt/swnet-test", "DESTDIR": destination.path, "SWNET_BINARY": Harness.binary.path])
        XCTAssertEqual(status, 0, output)
        let root = destination.path + "/opt/swnet-test"
        for file in ["bin/swnet", "share/man/man1/swnet.1", "share/bash-completion/completions/swnet",
                     "share/zsh/site-functions/_swnet", "share/fish/vendor_completions.d/swnet.fish"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/" + file), "missing \(file)")
        }
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: root + "/bin/swnet"))
        let (version, text) = try run(root + "/bin/swnet", ["--version"])
        XCTAssertEqual(version, 0)
        XCTAssertTrue(text.hasPrefix("swnet "), text)
        XCTAssertEqual(try String(contentsOfFile: root + "/share/man/man1/swnet.1", encoding: .utf8),
                       try String(contentsOfFile: path("man/swnet.1"), encoding: .utf8))
    }

    // MARK: One behaviour in every shell

    func testBashOffersTheUsualFormats() throws {
        let script = """
        source /usr/share/bash-completion/bash_completion
        source "$1"
        COMP_WORDS=(swnet serve daytime --format ""); COMP_CWORD=4; COMP_LINE="swnet serve daytime --format "; COMP_POINT=${#COMP_LINE}
        _swnet; echo "${COMPREPLY[*]}"
        """
        let (status, output) = try run("/bin/bash", ["-c", script, "bash", path("completions/swnet.bash")])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "rfc867 rfc3339 ctime unix\n")
    }

    func testFishDescribesAChoiceByItsPlaceholderNotTheWholeHelp() throws {
        let (status, output) = try run("/usr/bin/fish", ["-c", "source $argv[1]; complete -C 'swnet connect --stdin-eof '; complete -C 'swnet connect --stdin'",
                                                         path("completions/swnet.fish")])
        XCTAssertEqual(status, 0, output)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.prefix(3).sorted(), ["close\tACTION", "keep\tACTION", "shutdown\tACTION"], output)
        XCTAssertTrue(lines.last?.hasPrefix("--stdin-eof\tWhen stdin ends") ?? false, "the option keeps its help: \(output)")
    }

    func testZshCanBeSourcedAfterCompinit() throws {
        let (status, output) = try run("/usr/bin/zsh", ["-f", "-c", "autoload -Uz compinit; compinit -u -D; source $1 && print -r -- ${_comps[swnet]}",
                                                        "zsh", path("completions/_swnet")])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "_swnet\n")
    }
}
