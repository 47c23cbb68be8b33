import SwnetCore

/// `--retry N` and `--retry-delay DUR`: which failures are worth another
/// try, and how long to wait before it.
///
/// Only transient failures are retried: a timeout, a refused or unreachable
/// connect, and the statuses that say "not now" (408, 429, 500, 502, 503,
/// 504). The wait doubles from `--retry-delay` with each retry, up to 10
/// minutes; a `Retry-After` from the server (seconds or an HTTP date) is
/// used instead, also at most 10 minutes.
struct RetryPolicy: Equatable {
    /// Retries after the first attempt.
    let retries: Int
    /// The wait before the first retry.
    let delay: Duration

    /// The longest wait between two attempts, whatever the server asks.
    static let longestWait: Duration = .seconds(600)

    /// A list, not a Set: building a Set costs every run a search of the
    /// runtime's conformance tables for Int's Hashable.
    static let transientStatuses = [408, 429, 500, 502, 503, 504]

    static func isTransient(status: Int) -> Bool { transientStatuses.contains(status) }

    /// A failure before any answer: timeouts and refused connects are
    /// worth another try; a name that does not resolve or a bad certificate is not.
    static func isTransient(_ error: SwnetError) -> Bool {
        error.code == .timeout || error.code == .unreachable
    }

    /// Whether attempt `attempt` (1 is the first) may be followed by another.
    func allowsRetry(after attempt: Int) -> Bool { attempt <= retries }

    /// The wait before retry `number` (1 is the first retry).
    func wait(beforeRetry number: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), Self.longestWait) }
        var wait = delay
        for _ in 1..<max(1, number) {
            wait = wait * 2
            if wait >= Self.longestWait { return Self.longestWait }
        }
        return min(wait, Self.longestWait)
    }
}

/// The `Retry-After` header (RFC 9110 section 10.2.3): a number of seconds,
/// or an HTTP date.
enum RetryAfter {
    /// The wait the header asks for, `now` being the Unix time in seconds;
    /// a date in the past is no wait; nil when the value is neither form.
    static func parse(_ value: String, now: Int64) -> Duration? {
        let text = ResponseHeaders.trimmed(Substring(value))
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let seconds = Int64(text) else { return .seconds(Int64.max / 1_000_000_000) }  // absurdly large
            return .seconds(seconds)
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        return .seconds(max(0, date - now))
    }
}

/// HTTP dates (RFC 9110 section 5.6.7) as Unix times: the preferred
/// `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ text: String) -> Int64? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        guard words.count >= 5 else { return nil }
        let day: String, month: String, year: String, time: String
        if Int(words[1]) != nil {
            // IMF-fixdate and RFC 850: weekday, day, month, year, time, GMT.
            (day, month, year, time) = (words[1], words[2], words[3], words[4])
        } else {
            // asctime: weekday, month, day, time, year.
            (month, day, time, year) = (words[1], words[2], words[3], words[4])
        }
        guard let monthIndex = months.firstIndex(of: month.lowercased()),
              let dayNumber = Int(day), (1...31).contains(dayNumber),
              var yearNumber = Int(year), year.count == 2 || year.count == 4
        else { return nil }
        if year.count == 2 { yearNumber += yearNumber < 70 ? 2000 : 1900 }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard clock.count == 3, let hour = clock[0], let minute = clock[1], let second = clock[2],
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysSinceEpoch(year: yearNumber, month: monthIndex + 1, day: dayNumber)
        return days * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days from 1970-01-01 to the given date of the proleptic Gregorian
    /// calendar (Howard Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}
