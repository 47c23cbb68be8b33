import SwnetCore
import SwnetTLS
import XCTest

final class KeyPinTests: XCTestCase {
    func testReadsBothSpellings() throws {
        let base64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        XCTAssertEqual(try KeyPin(parsing: "sha256:\(base64)").base64, base64)
        XCTAssertEqual(try KeyPin(parsing: "sha256//\(base64)").base64, base64)
        XCTAssertEqual(try KeyPin(parsing: "sha256:\(base64)").description, "sha256:\(base64)")
    }

    func testRejectsOtherHashesAndLengths() {
        for text in ["sha1:abc", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "sha256:abc=", "sha256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF!="] {
            XCTAssertThrowsError(try KeyPin(parsing: text), text) { error in
                XCTAssertEqual((error as? SwnetError)?.code, .usage)
            }
        }
    }
}
