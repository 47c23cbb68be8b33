/// The options given on one command line and their values, in the order given.
///
/// A list searched from the front, not a `[String: [OptionValue]]`: a command
/// line names a handful of options, and the first dictionary of a run makes
/// the Swift runtime build its storage type and find String's Hashable
/// conformance by scanning every conformance in the binary: about 100,000
/// instructions at every start, 13 % of `swnet --version`'s and nearly 1 %
/// of a small http-get's.
struct GivenOptions: Sendable {
    private struct Given: Sendable {
        let long: String
        var values: [OptionValue]
    }

    private var given: [Given] = []

    /// The values of `--long`, nil when it was not given.
    subscript(long: String) -> [OptionValue]? {
        given.first { $0.long == long }?.values
    }

    /// Adds a value of `--long`; `replacing` drops those given before it.
    mutating func add(_ value: OptionValue, for long: String, replacing: Bool) {
        if let index = given.firstIndex(where: { $0.long == long }) {
            if replacing { given[index].values = [value] } else { given[index].values.append(value) }
        } else {
            given.append(Given(long: long, values: [value]))
        }
    }
}
