/// One line of an MLSD reply (RFC 3659, section 7): facts, one space, the
/// name. Unlike LIST, the form is standard and the times are UTC.
///
///     type=file;size=1024;modify=20240517150405;perm=adfrw;unix.mode=0644; notes.txt
///     type=dir;modify=20240517150405.123;perm=flcdmpe; pub
///     type=cdir;perm=el; /home/anna
///     type=OS.unix=slink:/etc/hosts;size=10; hosts
///
/// Fact names are case-insensitive. `cdir` and `pdir` (the directory
/// itself and its parent) become `.` and `..`, which listings leave out.
/// Links are an extension: `OS.unix=symlink`, or `OS.unix=slink:TARGET`
/// with the target.
enum MLSDParser {
    /// The entry on `line`, or nil when the line is not facts and a name.
    static func parse(_ line: String) -> ListingEntry? {
        // Facts end with ";" and one space comes before the name; a fact's
        // value may hold a space itself (OS.unix=slink:my file), so the
        // first "; " is the boundary, and a bare space only without facts.
        guard let boundary = line.find("; ") ?? line.find(" ") else { return nil }
        let name = String(line[boundary.upperBound...])
        guard !name.isEmpty else { return nil }
        var facts: [String: Substring] = [:]
        for fact in line[..<boundary.lowerBound].split(separator: ";") {
            guard let equals = fact.firstIndex(of: "="), equals != fact.startIndex else { return nil }
            facts[fact[..<equals].lowercased()] = fact[fact.index(after: equals)...]
        }

        var entry = ListingEntry(name: name, kind: .other, raw: line)
        if let type = facts["type"] {
            switch type.lowercased() {
            case "file": entry.kind = .file
            case "dir": entry.kind = .dir
            case "cdir": entry.kind = .dir; entry.name = "."
            case "pdir": entry.kind = .dir; entry.name = ".."
            case let lower where lower.hasPrefix("os.unix=slink"):
                entry.kind = .link
                if let colon = type.firstIndex(of: ":") {
                    let target = type[type.index(after: colon)...]
                    if !target.isEmpty { entry.target = String(target) }
                }
            case let lower where lower.hasPrefix("os.unix=symlink"):
                entry.kind = .link
            default: entry.kind = .other
            }
        }
        entry.size = (facts["size"] ?? facts["sizd"]).flatMap(ListingFields.number)
        entry.modified = facts["modify"].flatMap(time)
        entry.permissions = facts["unix.mode"].flatMap(symbolicMode) ?? facts["perm"].map(String.init)
        return entry
    }

    /// `YYYYMMDDHHMMSS` with an optional fraction of a second (`.123`), in UTC.
    static func time(_ text: Substring) -> ListingTime? {
        let dot = text.firstIndex(of: ".")
        let digits = Array(text[..<(dot ?? text.endIndex)].utf8)
        guard digits.count == 14, digits.allSatisfy(ListingFields.isDigit) else { return nil }
        func field(_ start: Int, _ count: Int) -> Int {
            digits[start..<start + count].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        let fraction = dot.map { String(text[text.index(after: $0)...]) } ?? ""
        guard dot == nil || !fraction.isEmpty else { return nil }
        return ListingTime(year: field(0, 4), month: field(4, 2), day: field(6, 2), hour: field(8, 2), minute: field(10, 2),
                           second: field(12, 2), fraction: fraction, precision: .second)
    }

    /// `0644`, `644`, `0o644` (Python's spelling, as pyftpdlib sends it) or
    /// `100644` (with the file type bits) as `ls` shows it: `rw-r--r--`,
    /// with setuid, setgid and sticky as `s`/`S` and `t`/`T`.
    static func symbolicMode(_ text: Substring) -> String? {
        var digits = text
        if digits.lowercased().hasPrefix("0o") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 7, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }),
              let value = Int(digits, radix: 8)
        else { return nil }
        let mode = value & 0o7777
        var characters = Array("rwxrwxrwx")
        for bit in 0..<9 where mode & (1 << (8 - bit)) == 0 { characters[bit] = "-" }
        for (flag, position, letter) in [(0o4000, 2, "s"), (0o2000, 5, "s"), (0o1000, 8, "t")] as [(Int, Int, Character)]
        where mode & flag != 0 {
            characters[position] = characters[position] == "x" ? letter : Character(letter.uppercased())
        }
        return String(characters)
    }
}
