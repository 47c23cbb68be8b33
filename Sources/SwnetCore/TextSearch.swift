/// Finding a piece of text in another, which the standard library leaves to
/// its Regex module (`firstRange(of:)`, `ranges(of:)`, `contains(_:)` of a string); swnet does not link
/// that module (see `lean` in Package.swift), and needs no more than this.
extension StringProtocol {
    /// Where `needle` first occurs, comparing characters; nil if nowhere.
    public func find(_ needle: some StringProtocol) -> Range<Index>? {
        find(needle, from: startIndex)
    }

    /// Whether `needle` occurs (the Regex module's `contains(_:)` for text).
    public func includes(_ needle: some StringProtocol) -> Bool { find(needle) != nil }

    /// Where `needle` last occurs; nil if nowhere.
    public func findLast(_ needle: some StringProtocol) -> Range<Index>? {
        var last: Range<Index>?
        var from = startIndex
        while let found = find(needle, from: from) {
            last = found
            guard found.lowerBound < endIndex else { break }
            from = index(after: found.lowerBound)
        }
        return last
    }

    private func find(_ needle: some StringProtocol, from: Index) -> Range<Index>? {
        let scalars = self[...], wanted = needle
        guard let first = wanted.first else { return from..<from }
        var start = from
        while let candidate = scalars[start...].firstIndex(of: first) {
            var here = candidate, matched = true
            for scalar in wanted {
                guard here < scalars.endIndex, scalars[here] == scalar else { matched = false; break }
                here = scalars.index(after: here)
            }
            if matched { return candidate..<here }
            start = scalars.index(after: candidate)
        }
        return nil
    }
}
