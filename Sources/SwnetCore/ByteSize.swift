/// Sizes as the command line writes them: `512`, `64K`, `1M`, `2G`
/// (powers of 1024; a trailing `B` or `iB` is accepted).
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        if digits.hasSuffix("iB") { digits = digits.dropLast(2) } else if digits.hasSuffix("B") { digits = digits.dropLast() }
        var multiplier = 1
        switch digits.last {
        case "K", "k": multiplier = 1 << 10
        case "M", "m": multiplier = 1 << 20
        case "G", "g": multiplier = 1 << 30
        default: break
        }
        if multiplier != 1 { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
