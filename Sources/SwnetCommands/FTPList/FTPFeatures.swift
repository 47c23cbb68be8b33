/// What a FEAT reply (RFC 2389) says about MLSD (RFC 3659):
///
///     211-Features supported:
///      EPSV
///      MLST type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;
///      UTF8
///     211 End FEAT.
///
/// An `MLST` feature line means MLST and MLSD both work (RFC 3659, 7.8);
/// it lists the facts the server knows, `*` marking those it sends now.
/// Some servers also list `MLSD` on a line of its own.
struct FTPFeatures: Equatable, Sendable {
    var offersMLSD = false
    /// The facts offered, spelled as the server spells them, and whether each is on.
    var facts: [Fact] = []

    struct Fact: Equatable, Sendable {
        let name: String
        let enabled: Bool
    }

    /// The facts ftp-list reads, in the order it asks for them.
    static let wanted = ["type", "size", "modify", "perm", "unix.mode"]

    /// Reads the FEAT reply among `replies` (the lines of a whole session
    /// may be given): the lines between `211-` and the final `211` line.
    /// Feature lines start with a space; servers that repeat `211-` on
    /// every line or leave the space out are read too.
    init(replies: [String]) {
        var inside = false
        for line in replies {
            if !inside {
                if line.hasPrefix("211-") { inside = true }  // the heading: "211-Features supported:"
                continue
            }
            if FTPReplies.finalCode(line) == 211 {
                inside = false
                continue
            }
            let feature = (line.hasPrefix("211-") ? line.dropFirst(4) : Substring(line)).drop(while: { $0 == " " })
            let words = feature.split(separator: " ", maxSplits: 1)
            guard let keyword = words.first?.uppercased() else { continue }
            if keyword == "MLSD" { offersMLSD = true }
            guard keyword == "MLST" else { continue }
            offersMLSD = true
            let list = words.count > 1 ? words[1] : ""
            facts = list.split(separator: ";").map { fact in
                fact.hasSuffix("*") ? Fact(name: String(fact.dropLast()), enabled: true) : Fact(name: String(fact), enabled: false)
            }
        }
    }

    init(offersMLSD: Bool, facts: [Fact]) {
        self.offersMLSD = offersMLSD
        self.facts = facts
    }

    /// `OPTS MLST type;size;modify;perm;unix.mode;`: the command that turns
    /// on every fact ftp-list reads that the server offers, or nil when
    /// those are on already (or none is offered). OPTS MLST names the whole
    /// set, so the ones already on are named again.
    var optsCommand: String? {
        let offered = FTPFeatures.wanted.compactMap { wanted in facts.first { $0.name.lowercased() == wanted } }
        guard offered.contains(where: { !$0.enabled }) else { return nil }
        return "OPTS MLST " + offered.map { $0.name + ";" }.joined()
    }
}
