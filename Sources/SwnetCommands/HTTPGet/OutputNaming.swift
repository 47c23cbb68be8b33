import SwnetCore
import SwnetTransfer

/// Where one URL's body goes.
enum BodyDestination: Equatable {
    case stdout
    case file(String)
    /// `--json` without `-o`: stdout is the report's, and the body goes nowhere.
    case nowhere

    var path: String? {
        if case .file(let path) = self { return path }
        return nil
    }
}

/// Pairs URLs with their destinations: `-o FILE` in order, `-O` names taken
/// from the URL, `--output-dir DIR` in front of relative names.
enum OutputNaming {
    /// The destination of each URL, in order.
    ///
    /// The first `-o` goes with the first URL, the second with the second,
    /// and so on (`-o -` is stdout); URLs left over are named by `-O`, else
    /// go to stdout one after another (with `--json`, nowhere). Two URLs
    /// that would write one file are refused (a device under /dev excepted):
    /// the second would replace the first, or parallel transfers mix their bytes.
    static func destinations(urls: [String], outputs: [String], remoteName: Bool, directory: String?,
                             json: Bool) throws -> [BodyDestination] {
        if outputs.count > urls.count {
            throw SwnetError.usage("\(outputs.count) -o/--output for \(counted(urls.count, "URL")): give one -o per URL, in order")
        }
        var destinations: [BodyDestination] = []
        var seen: Set<String> = []
        for (index, url) in urls.enumerated() {
            let destination: BodyDestination
            if index < outputs.count {
                destination = outputs[index] == "-" ? .stdout : .file(place(outputs[index], in: directory))
            } else if remoteName {
                destination = .file(place(try self.remoteName(of: url), in: directory))
            } else {
                destination = json ? .nowhere : .stdout
            }
            // A device (`-o /dev/null` for every URL) takes any number of bodies.
            if let path = destination.path, !path.hasPrefix("/dev/"), !seen.insert(path).inserted {
                throw SwnetError.usage("two URLs would write to \(path): give each its own -o")
            }
            destinations.append(destination)
        }
        return destinations
    }

    /// `-O`'s file name: the last segment of the URL's path, percent-decoded.
    /// A name that is empty (`http://host/dir/`), `.` or `..`, starts with a
    /// dot (it could replace `.bashrc`), or would leave the folder (an
    /// encoded `/`) or hold control characters is refused, and `-o` suggested.
    static func remoteName(of url: String) throws -> String {
        let path = URLParts(url).path
        let segment = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        let name = PercentEncoding.decoded(segment)
        if name.isEmpty {
            throw SwnetError.usage("\(url): no file name in the URL for -O (its path ends in '/'): give -o FILE")
        }
        // Checked byte by byte: compared as Characters, a `/` or `.` followed
        // by a combining mark (`%2F%CC%9C`) is not a `/` or `.`, but the file
        // system sees one.
        let bytes = name.utf8
        let unsafe = bytes.first == UInt8(ascii: ".") || bytes.contains(UInt8(ascii: "/")) || bytes.contains(UInt8(ascii: "\\"))
            || bytes.contains { $0 < 0x20 || $0 == 0x7F }
        if unsafe {
            throw SwnetError.usage("\(url): unsafe file name '\(printable(name))' for -O: give -o FILE")
        }
        return name
    }

    /// `FILE` placed in `directory` unless it is absolute.
    static func place(_ file: String, in directory: String?) -> String {
        guard let directory, !file.hasPrefix("/") else { return file }
        return directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }

    /// A name as an error message may show it: control characters escaped.
    private static func printable(_ name: String) -> String {
        String(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
