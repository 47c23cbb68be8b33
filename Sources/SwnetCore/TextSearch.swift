/// Finding a piece of text in another, which the standard library leaves to
/// its Regex module (`firstRange(of:)`, `ranges(of:)`, and `contains(_:)` of
/// a string); swnet does not link that module (see `lean` in Package.swift),
/// and needs no more than this.
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
        guard let first = needle.first else { return from..<from }
        var start = from
        while let candidate = self[start...].firstIndex(of: first) {
            if self[candidate...].starts(with: needle) { return candidate..<index(candidate, offsetBy: needle.count) }
            start = index(after: candidate)
        }
        return nil
    }
}
