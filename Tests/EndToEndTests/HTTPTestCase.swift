import Foundation
import XCTest

/// What the http-get tests share: a fresh test server per test, a
/// temporary folder for files, no proxy from the environment, and helpers.
class HTTPTestCase: XCTestCase {
    var server: HTTPTestServer!
    var folder: URL!

    override func setUpWithError() throws {
        // A proxy in the environment would route these loopback requests elsewhere.
        for name in ["http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] { unsetenv(name) }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("swnet-http-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        server = try HTTPTestServer()
    }

    override func tearDown() {
        server?.stop()
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// `swnet http-get ARGUMENTS` (global options may be among them).
    func get(_ arguments: [String], limit: TimeInterval = 30) throws -> Harness.Result {
        try Harness.swnet(["http-get"] + arguments, limit: limit)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func contents(_ name: String) -> Data? { FileManager.default.contents(atPath: path(name)) }

    /// `count` random bytes.
    static func randomBytes(_ count: Int) -> Data {
        var bytes = Data(count: count)
        bytes.withUnsafeMutableBytes { raw in
            for index in stride(from: 0, to: raw.count - 7, by: 8) {
                raw.storeBytes(of: UInt64.random(in: .min ... .max), toByteOffset: index, as: UInt64.self)
            }
        }
        return bytes
    }

    /// The SHA-256 of a file, by `sha256sum`.
    func sha256(ofFile file: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "sha256sum \(file)")
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    /// stdout as NDJSON: one object a line, each parsed by JSONSerialization.
    func ndjson(_ result: Harness.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try result.text.split(separator: "\n").map { text in
            let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
        }
    }
}
