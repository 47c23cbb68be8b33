/// A count with its noun, `1 client` or `2 clients`, so that no message
/// says "1 clients": every count in a message is worded here.
/// `plural` is for a noun whose plural is not the noun plus "s".
public func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}
