@testable import SwnetCommands
import XCTest

/// The rules of the private cache: the hash, Cache-Control, freshness and
/// age (RFC 9111 section 4.2), what is stored (section 3), revalidation
/// (section 4.3), Vary (section 4.1), and the head a 304 updates.
final class HTTPCachePolicyTests: XCTestCase {
    /// 2026-11-21 12:00:00 UTC.
    let now: Int64 = 1_795_262_400
    let nowDate = "Sat, 21 Nov 2026 12:00:00 GMT"

    // MARK: XXH64

    func testXXHash64MatchesTheReferenceImplementation() {
        // Values of libxxhash's XXH64(bytes, length, 0).
        XCTAssertEqual(XXHash64.hash([UInt8]()), 0xEF46_DB37_51D8_E999)
        XCTAssertEqual(XXHash64.hash("a".utf8), 0xD24E_C4F1_A98C_6E5B)
        XCTAssertEqual(XXHash64.hash("abc".utf8), 0x44BC_2CF5_AD77_0999)
        XCTAssertEqual(XXHash64.hash("0123456789abcdef0123456789abcdef!".utf8), 0x8AFF_F4DA_AC4E_677E)
        let long = (0..<768).map { UInt8($0 % 256) }
        XCTAssertEqual(XXHash64.hash(long), 0x8E03_C838_C596_036F)
        XCTAssertNotEqual(XXHash64.hash("abc".utf8, seed: 1), XXHash64.hash("abc".utf8))
        XCTAssertEqual(XXHash64.hex(0xAB), "00000000000000ab")
    }

    func testXXHash64FedInPiecesIsTheSame() {
        let bytes = (0..<768).map { UInt8(($0 * 7) % 251) }
        let whole = XXHash64.hash(bytes)
        for split in [1, 3, 8, 31, 32, 33, 64, 100, 767] {
            var hasher = XXHash64()
            bytes[..<split].withUnsafeBytes { hasher.update($0) }
            bytes[split...].withUnsafeBytes { hasher.update($0) }
            XCTAssertEqual(hasher.digest(), whole, "split at \(split)")
        }
        var bytewise = XXHash64()
        for byte in bytes { withUnsafeBytes(of: byte) { bytewise.update($0) } }
        XCTAssertEqual(bytewise.digest(), whole)
    }

    // MARK: Cache-Control

    func testCacheControlDirectives() {
        let control = CacheControl("Max-Age=60, no-cache, MUST-REVALIDATE, public, s-maxage=10")
        XCTAssertEqual(control.maxAge, 60)
        XCTAssertEqual(control.sharedMaxAge, 10)
        XCTAssertTrue(control.noCache && control.mustRevalidate && control.isPublic)
        XCTAssertFalse(control.noStore || control.isPrivate)

        let quoted = CacheControl(#"no-cache="Set-Cookie, X-Foo", max-age="30", private"#)
        XCTAssertTrue(quoted.noCache, "a quoted list of fields may hold commas")
        XCTAssertEqual(quoted.maxAge, 30)
        XCTAssertTrue(quoted.isPrivate)

        XCTAssertEqual(CacheControl("max-age=5, max-age=500").maxAge, 5, "the first of two")
        XCTAssertEqual(CacheControl("max-age=soon").maxAge, 0, "an invalid value is stale")
        XCTAssertEqual(CacheControl("max-age=-1").maxAge, 0)
        XCTAssertEqual(CacheControl("max-age=99999999999999999999").maxAge, Int64(Int32.max), "too large is clamped")
        XCTAssertTrue(CacheControl(" no-store ").noStore)
        XCTAssertEqual(CacheControl(nil), CacheControl(""))
        XCTAssertNil(CacheControl("no-transform, stale-while-revalidate=30").maxAge)
    }

    // MARK: Freshness and age

    func head(_ fields: [String], status: String = "HTTP/1.1 200 OK") -> ResponseHead {
        ResponseHead(parsing: Array(([status] + fields + ["", ""]).joined(separator: "\r\n").utf8))!
    }

    func freshness(_ fields: [String], requestTime: Int64? = nil, responseTime: Int64? = nil, at time: Int64? = nil) -> Freshness {
        Freshness(head(fields), requestTime: requestTime ?? now, responseTime: responseTime ?? now, now: time ?? now)
    }

    func testLifetimeIsMaxAgeElseExpiresMinusDateElseZero() {
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Cache-Control: max-age=600"]).lifetime, 600)
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Expires: Sat, 21 Nov 2026 13:00:00 GMT"]).lifetime, 3600)
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Expires: Sat, 21 Nov 2026 13:00:00 GMT", "Cache-Control: max-age=5"]).lifetime, 5,
                       "max-age wins over Expires")
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Expires: 0"]).lifetime, 0, "an invalid Expires is expired")
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Expires: Sat, 21 Nov 2026 11:00:00 GMT"]).lifetime, 0)
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Last-Modified: Sat, 21 Nov 2020 12:00:00 GMT"]).lifetime, 0,
                       "no heuristic freshness")
        XCTAssertEqual(freshness(["Date: \(nowDate)", "Cache-Control: s-maxage=600"]).lifetime, 0, "s-maxage is for shared caches")
        // Without Date, Expires counts from when the answer arrived.
        XCTAssertEqual(freshness(["Expires: Sat, 21 Nov 2026 12:10:00 GMT"]).lifetime, 600)
    }

    func testCurrentAgeFollowsSection4_2_3() {
        // Sent at now-2, arrived at now: the delay (2) is added to Age (30);
        // the Date 10 s before arrival gives an apparent age of 10; the larger wins.
        var age = Freshness.currentAge(ageField: "30", date: now - 10, requestTime: now - 2, responseTime: now, now: now)
        XCTAssertEqual(age, 32)
        // Resident 100 s since it arrived.
        age = Freshness.currentAge(ageField: "30", date: now - 10, requestTime: now - 2, responseTime: now, now: now + 100)
        XCTAssertEqual(age, 132)
        // A Date 50 s old with no Age field: the apparent age.
        XCTAssertEqual(Freshness.currentAge(ageField: nil, date: now - 50, requestTime: now, responseTime: now, now: now), 50)
        // A Date in the future (skewed server clock) is no negative age.
        XCTAssertEqual(Freshness.currentAge(ageField: nil, date: now + 500, requestTime: now, responseTime: now, now: now + 5), 5)
        XCTAssertEqual(Freshness.currentAge(ageField: "bogus", date: now, requestTime: now, responseTime: now, now: now), 0)

        let fresh = freshness(["Date: \(nowDate)", "Cache-Control: max-age=60"], at: now + 59)
        XCTAssertTrue(fresh.isFresh)
        XCTAssertFalse(freshness(["Date: \(nowDate)", "Cache-Control: max-age=60"], at: now + 60).isFresh)
        XCTAssertFalse(freshness(["Date: \(nowDate)", "Age: 60", "Cache-Control: max-age=60"]).isFresh, "Age counts")
    }

    // MARK: Decisions

    func request(_ fields: [(String, String)] = [], revalidate: Bool = false) -> CacheRequest {
        CacheRequest(url: "http://h/x", fields: [("user-agent", "swnet"), ("accept", "*/*")] + fields.map { (name: $0.0, value: $0.1) },
                     revalidate: revalidate)
    }

    func entry(_ fields: [String], vary: [CacheEntry.VaryValue] = [], storedAt time: Int64? = nil) -> CacheEntry {
        CacheEntry(key: CacheEntry.key(for: "http://h/x"), url: "http://h/x", requestTime: time ?? now, responseTime: time ?? now,
                   vary: vary, head: head(fields))
    }

    func testAFreshAnswerIsAHitAndAStaleOneIsRevalidatedWithItsValidators() {
        let fresh = entry(["Date: \(nowDate)", "Cache-Control: max-age=600", "ETag: \"v1\""])
        XCTAssertEqual(CachePolicy.decide(request(), entry: fresh, now: now + 10), .hit(age: 10))
        XCTAssertEqual(CachePolicy.decide(request(), entry: fresh, now: now + 600), .revalidate(["If-None-Match: \"v1\""]))

        let modified = entry(["Date: \(nowDate)", "Last-Modified: Sat, 21 Nov 2026 10:00:00 GMT"])
        XCTAssertEqual(CachePolicy.decide(request(), entry: modified, now: now), .revalidate(["If-Modified-Since: Sat, 21 Nov 2026 10:00:00 GMT"]))
        let both = entry(["ETag: W/\"7\"", "Last-Modified: Sat, 21 Nov 2026 10:00:00 GMT"])
        XCTAssertEqual(CachePolicy.decide(request(), entry: both, now: now),
                       .revalidate(["If-None-Match: W/\"7\"", "If-Modified-Since: Sat, 21 Nov 2026 10:00:00 GMT"]))

        let noValidator = entry(["Date: \(nowDate)", "Cache-Control: max-age=5"])
        XCTAssertEqual(CachePolicy.decide(request(), entry: noValidator, now: now + 10), .fetch, "stale and nothing to revalidate with")
        XCTAssertEqual(CachePolicy.decide(request(), entry: nil, now: now), .fetch)
    }

    func testNoCacheAndTheRequestsOwnDirectivesForceARevalidation() {
        let fresh = entry(["Date: \(nowDate)", "Cache-Control: max-age=600", "ETag: \"v1\""])
        let revalidate = CachePolicy.Decision.revalidate(["If-None-Match: \"v1\""])
        XCTAssertEqual(CachePolicy.decide(request(revalidate: true), entry: fresh, now: now), revalidate, "--no-cache")
        XCTAssertEqual(CachePolicy.decide(request([("cache-control", "no-cache")]), entry: fresh, now: now), revalidate)
        XCTAssertEqual(CachePolicy.decide(request([("pragma", "no-cache")]), entry: fresh, now: now), revalidate)
        XCTAssertEqual(CachePolicy.decide(request([("cache-control", "max-age=5")]), entry: fresh, now: now + 10), revalidate)
        XCTAssertEqual(CachePolicy.decide(request([("cache-control", "max-age=50")]), entry: fresh, now: now + 10), .hit(age: 10))
        XCTAssertEqual(CachePolicy.decide(request([("cache-control", "min-fresh=595")]), entry: fresh, now: now + 10), revalidate)

        let noCache = entry(["Date: \(nowDate)", "Cache-Control: no-cache, max-age=600", "ETag: \"v1\""])
        XCTAssertEqual(CachePolicy.decide(request(), entry: noCache, now: now), revalidate, "no-cache: stored, but always revalidated")
        let mustRevalidate = entry(["Date: \(nowDate)", "Cache-Control: max-age=60, must-revalidate", "ETag: \"v1\""])
        XCTAssertEqual(CachePolicy.decide(request(), entry: mustRevalidate, now: now + 1), .hit(age: 1))
        XCTAssertEqual(CachePolicy.decide(request(), entry: mustRevalidate, now: now + 61), revalidate)
    }

    func testVaryMatchesTheRequestThatBroughtTheAnswer() {
        let vary = [CacheEntry.VaryValue(name: "accept-language", value: "en"), CacheEntry.VaryValue(name: "x-absent", value: nil)]
        let stored = entry(["Date: \(nowDate)", "Cache-Control: max-age=600", "Vary: Accept-Language, X-Absent"], vary: vary)
        XCTAssertEqual(CachePolicy.decide(request([("accept-language", "en")]), entry: stored, now: now), .hit(age: 0))
        XCTAssertEqual(CachePolicy.decide(request([("accept-language", "de")]), entry: stored, now: now), .fetch)
        XCTAssertEqual(CachePolicy.decide(request(), entry: stored, now: now), .fetch, "absent is not en")
        XCTAssertEqual(CachePolicy.decide(request([("accept-language", "en"), ("x-absent", "1")]), entry: stored, now: now), .fetch)

        let head = self.head(["Vary: accept-language,  X-Absent ,"])
        XCTAssertEqual(CachePolicy.varyNames(head), ["accept-language", "x-absent"])
        XCTAssertEqual(CachePolicy.varyValues(head, request([("accept-language", "en")])), vary)
    }

    func testWhatIsStored() {
        func refusal(_ fields: [String], status: Int = 200, redirected: Bool = false, _ request: CacheRequest? = nil) -> String? {
            CachePolicy.refusal(request ?? self.request(), head: head(fields), status: status, redirected: redirected)
        }
        XCTAssertNil(refusal(["Cache-Control: max-age=60"]))
        XCTAssertNil(refusal(["ETag: \"1\""]), "stale from the start, but it can be revalidated")
        XCTAssertNil(refusal(["Last-Modified: Sat, 21 Nov 2026 10:00:00 GMT"]))
        XCTAssertNil(refusal(["Expires: Sat, 21 Nov 2026 13:00:00 GMT"]))
        XCTAssertNil(refusal(["Cache-Control: private, max-age=60"]), "a private cache may store private answers")
        XCTAssertNil(refusal(["Cache-Control: no-cache", "ETag: \"1\""]))
        XCTAssertEqual(refusal(["Cache-Control: no-store, max-age=60"]), "no-store")
        XCTAssertEqual(refusal(["Cache-Control: max-age=60"], status: 404), "status 404")
        XCTAssertEqual(refusal(["Cache-Control: max-age=60"], redirected: true), "reached through a redirect")
        XCTAssertEqual(refusal(["Cache-Control: max-age=60", "Vary: *"]), "Vary: *")
        XCTAssertNil(refusal(["Cache-Control: max-age=60", "Vary: Accept, Authorization"]), "no credentials sent: none kept")
        XCTAssertEqual(refusal(["Cache-Control: public, max-age=60", "Vary: Accept, Authorization"], request([("authorization", "Basic")])),
                       "it varies on authorization, which the request carries")
        XCTAssertEqual(refusal(["Cache-Control: max-age=60", "Vary: Cookie"], request([("cookie", "id=1")])),
                       "it varies on cookie, which the request carries")
        XCTAssertEqual(refusal(["Content-Type: text/plain"]), "no max-age, Expires, ETag or Last-Modified")

        // Section 3.5: with credentials, only when the answer says it may be shared.
        let authorized = request([("authorization", "Basic")])
        XCTAssertNotNil(refusal(["Cache-Control: max-age=60"], authorized))
        XCTAssertNotNil(refusal(["Cache-Control: private, max-age=60"], authorized))
        XCTAssertNil(refusal(["Cache-Control: public, max-age=60"], authorized))
        XCTAssertNil(refusal(["Cache-Control: max-age=60, must-revalidate"], authorized))
        XCTAssertNil(refusal(["Cache-Control: s-maxage=60, max-age=60"], authorized))
        XCTAssertNotNil(refusal(["Cache-Control: s-maxage=60"], authorized), "s-maxage alone gives a private cache nothing to reuse it by")
    }

    func testA304IsAboutTheStoredAnswerOnlyWithItsEntityTag() {
        let stored = head(["ETag: \"abc\""])
        XCTAssertTrue(CachePolicy.selects(stored: stored, notModified: head(["ETag: \"abc\""], status: "HTTP/1.1 304 Not Modified")))
        XCTAssertTrue(CachePolicy.selects(stored: stored, notModified: head(["ETag: W/\"abc\""])), "weak comparison")
        XCTAssertTrue(CachePolicy.selects(stored: stored, notModified: head(["Date: \(nowDate)"])), "no tag: nothing contradicts")
        XCTAssertFalse(CachePolicy.selects(stored: stored, notModified: head(["ETag: \"other\""])))
        XCTAssertFalse(CachePolicy.selects(stored: head([]), notModified: head(["ETag: \"abc\""])))
    }

    // MARK: Requests

    func testRequestFieldsAsSwnetSendsThem() {
        let fields = CachedFetch.requestFields(url: "http://h/", userAgent: "swnet/1", credentials: false,
                                               headers: ["User-Agent: mine", "Accept:", "X-Empty;", "Accept-Language:  de "])
        XCTAssertEqual(fields.map { "\($0.name)=\($0.value)" }, ["user-agent=mine", "x-empty=", "accept-language=de"])
        let withUser = CachedFetch.requestFields(url: "http://h/", userAgent: "a", credentials: true, headers: [])
        XCTAssertTrue(CacheRequest(url: "http://h/", fields: withUser, revalidate: false).hasAuthorization)
        let inURL = CachedFetch.requestFields(url: "http://anna:secret@h/", userAgent: "a", credentials: false, headers: [])
        XCTAssertTrue(CacheRequest(url: "http://anna:secret@h/", fields: inURL, revalidate: false).hasAuthorization)
        XCTAssertFalse(request().hasAuthorization)
    }

    func testRequestsThatBypassTheCache() {
        XCTAssertNil(request().bypassReason)
        XCTAssertNotNil(request([("range", "bytes=0-9")]).bypassReason)
        XCTAssertNotNil(request([("if-none-match", "\"x\"")]).bypassReason)
        XCTAssertNotNil(request([("if-modified-since", nowDate)]).bypassReason)
        XCTAssertNotNil(request([("cache-control", "no-store")]).bypassReason)
        XCTAssertNil(request([("cache-control", "no-cache")]).bypassReason)
        XCTAssertNotNil(CacheRequest(url: "http://h/\u{1}", fields: [], revalidate: false).bypassReason)
    }

    // MARK: The stored head

    func testTheHeadIsTheLastResponsesAsSent() throws {
        let raw = "HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Long: one\r\n two\r\n"
            + "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nETag: \"1\"\r\n\r\n"
        let head = try XCTUnwrap(ResponseHead(parsing: Array(raw.utf8)))
        XCTAssertEqual(head.statusLine, "HTTP/1.1 200 OK")
        XCTAssertEqual(head.fields.map(\.name), ["content-type", "x-long", "connection", "transfer-encoding", "etag"])
        XCTAssertEqual(head.headers.value("x-long"), "one two")
        XCTAssertEqual(head.value("x-long"), "one two", "the cache reads a field as the rest of http-get does")
        let twice = self.head(["Cache-Control: max-age=5", "cache-control:  no-cache ", "Set-Cookie: a=1", "Set-Cookie: b=2", "Empty:"])
        for name in ["cache-control", "set-cookie", "empty", "absent"] {
            XCTAssertEqual(twice.value(name), twice.headers.value(name), name)
        }
        XCTAssertEqual(head.storable.fields.map(\.name), ["content-type", "x-long", "etag"], "hop-by-hop fields are not stored")
        XCTAssertEqual(String(decoding: head.storable.bytes, as: UTF8.self),
                       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Long: one\r\n two\r\nETag: \"1\"\r\n\r\n")
        XCTAssertNil(ResponseHead(parsing: Array("Content-Type: x\r\n".utf8)))
    }

    func testA304UpdatesTheStoredFieldsInPlaceButNotTheBodysOwn() {
        let stored = head(["Date: Sat, 21 Nov 2026 10:00:00 GMT", "Content-Length: 5", "Cache-Control: max-age=10", "ETag: \"1\"",
                           "Content-Type: text/plain"])
        let notModified = head(["Date: \(nowDate)", "Cache-Control: max-age=600", "Content-Length: 0", "X-New: yes", "Connection: close"],
                               status: "HTTP/1.1 304 Not Modified")
        let updated = stored.updated(by: notModified)
        XCTAssertEqual(updated.statusLine, "HTTP/1.1 200 OK")
        XCTAssertEqual(updated.fields.map(\.line), ["Date: \(nowDate)", "Content-Length: 5", "Cache-Control: max-age=600", "ETag: \"1\"",
                                                    "Content-Type: text/plain", "X-New: yes"])
        XCTAssertEqual(updated.with(age: 7).headers.value("age"), "7")
        XCTAssertEqual(head(["Age: 100"]).with(age: 3).fields.map(\.line), ["Age: 3"])
    }

    // MARK: The entry's file format

    func testEntryMetadataAndPreambleRoundTrip() throws {
        let original = CacheEntry(key: CacheEntry.key(for: "http://h/x"), url: "http://anna:[redacted]@h/x", requestTime: now - 1,
                                  responseTime: now, vary: [.init(name: "accept-language", value: "en gb"), .init(name: "x-none", value: nil),
                                                            .init(name: "x-empty", value: "")],
                                  head: head(["Content-Type: text/plain", "ETag: \"1\""]))
        XCTAssertEqual(CacheEntry(meta: original.meta), original)
        XCTAssertNil(CacheEntry(meta: Array("key 1\nnonsense 2\n\nHTTP/1.1 200 OK\r\n\r\n".utf8)))
        XCTAssertNil(CacheEntry(meta: Array(original.meta.dropLast(original.head.bytes.count))))

        let preamble = EntryPreamble(metaLength: 312, bodyLength: 102_400, metaHash: 0xABCDEF, bodyHash: .max)
        XCTAssertEqual(preamble.bytes.count, EntryPreamble.size)
        XCTAssertEqual(EntryPreamble(parsing: preamble.bytes), preamble)
        XCTAssertEqual(preamble.fileSize, Int64(EntryPreamble.size + 312 + 102_400))
        var damaged = preamble.bytes
        damaged[20] = UInt8(ascii: "x")
        XCTAssertNil(EntryPreamble(parsing: damaged))
        XCTAssertNil(EntryPreamble(parsing: Array(preamble.bytes.dropLast())))
    }

    // MARK: Where the cache lives

    func testTheFolderFromTheOptionTheEnvironmentAndXDG() {
        func directory(_ option: String?, _ environment: [String: String]) -> String? {
            CacheLocation.directory(option: option) { environment[$0] }
        }
        XCTAssertNil(directory(nil, ["HOME": "/home/a"]), "off without --cache or SWNET_CACHE")
        XCTAssertEqual(directory("", ["HOME": "/home/a"]), "/home/a/.cache/swnet/http")
        XCTAssertEqual(directory("", ["HOME": "/home/a", "XDG_CACHE_HOME": "/xdg"]), "/xdg/swnet/http")
        XCTAssertEqual(directory("", ["HOME": "/home/a", "XDG_CACHE_HOME": "relative"]), "/home/a/.cache/swnet/http")
        XCTAssertEqual(directory("/mine", ["SWNET_CACHE": "/env"]), "/mine", "--cache=DIR wins")
        XCTAssertEqual(directory("", ["SWNET_CACHE": "/env", "XDG_CACHE_HOME": "/xdg"]), "/env")
        XCTAssertEqual(directory(nil, ["SWNET_CACHE": "/env"]), "/env", "SWNET_CACHE turns the cache on")
        XCTAssertNil(directory(nil, ["SWNET_CACHE": ""]), "empty turns it off")
    }
}
