/// How long a stored response stays fresh, and how old it is now: RFC 9111
/// section 4.2, computed in whole seconds (HTTP dates have no finer grain).
///
/// The lifetime is `max-age`, else `Expires` minus `Date` (an `Expires`
/// that is not a valid date means already expired), else 0: no heuristic
/// freshness from `Last-Modified`, so an answer without an explicit
/// lifetime is revalidated every time, never guessed fresh. `s-maxage` is
/// for shared caches and not read here.
struct Freshness: Equatable {
    /// The freshness lifetime, in seconds.
    let lifetime: Int64
    /// The current age, in seconds.
    let age: Int64

    /// Fresh: may be used without asking the server (unless a directive says otherwise).
    var isFresh: Bool { lifetime > age }

    /// `head` is the stored response's; `requestTime` and `responseTime`
    /// are when the request that brought it (or last revalidated it) was
    /// sent and its answer arrived; `now` is the Unix time.
    init(_ head: ResponseHead, requestTime: Int64, responseTime: Int64, now: Int64) {
        let date = head.value("date").flatMap(HTTPDate.parse)
        lifetime = Self.lifetime(head, date: date ?? responseTime)
        age = Self.currentAge(ageField: head.value("age"), date: date ?? responseTime,
                              requestTime: requestTime, responseTime: responseTime, now: now)
    }

    /// Section 4.2.1: `max-age`, else `Expires - Date`, else 0.
    static func lifetime(_ head: ResponseHead, date: Int64) -> Int64 {
        if let maxAge = CacheControl(head.value("cache-control")).maxAge { return maxAge }
        guard let expires = head.value("expires") else { return 0 }
        // Not a date ("0", "-1"): already expired. Several lines: the first.
        guard let instant = HTTPDate.parse(expires) else { return 0 }
        return max(0, instant - date)
    }

    /// Section 4.2.3, with `now` for the current time:
    ///
    ///     apparent_age = max(0, response_time - date_value)
    ///     corrected_age_value = age_value + (response_time - request_time)
    ///     corrected_initial_age = max(apparent_age, corrected_age_value)
    ///     current_age = corrected_initial_age + (now - response_time)
    static func currentAge(ageField: String?, date: Int64, requestTime: Int64, responseTime: Int64, now: Int64) -> Int64 {
        // An Age that is not delta-seconds is ignored (section 5.1); several values: the first.
        let ageValue = ageField.map { CacheControl.seconds(ResponseHead.trimmed($0.utf8.prefix { $0 != UInt8(ascii: ",") })) } ?? 0
        let apparentAge = max(0, responseTime - date)
        let correctedAgeValue = ageValue &+ max(0, responseTime - requestTime)
        let correctedInitialAge = max(apparentAge, correctedAgeValue)
        return correctedInitialAge &+ max(0, now - responseTime)
    }
}
