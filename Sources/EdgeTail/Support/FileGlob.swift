#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A path pattern with `*`, `?`, `[…]` (within one path component), `**` (any number
/// of directories) and `{a,b}` (alternatives), matched without a shell.
///
/// Expansion walks only the directories the pattern can reach, starting from its
/// longest literal prefix, and reports them, so the caller can watch exactly those
/// directories for new files. `*` and `?` do not match a leading dot, as in a shell.
public struct FileGlob: Sendable, Hashable {
    public let pattern: String
    /// The brace-expanded alternatives, each split into path components.
    let alternatives: [[String]]
    let isAbsolute: Bool

    /// `**` is followed at most this deep, which also stops symlink loops.
    static let maxDepth = 32

    public init(_ pattern: String) {
        self.pattern = pattern
        isAbsolute = pattern.hasPrefix("/")
        alternatives = Self.expandBraces(pattern).map { alternative in
            alternative.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        }
    }

    /// What a walk found: candidate paths (not yet checked to be regular files) and
    /// the directories it looked into.
    public struct Expansion: Sendable {
        public var paths: [String] = []
        public var directories: [String] = []
    }

    /// The paths that exist now and match, and the directories searched for them.
    public func expand() -> Expansion {
        var paths = Set<String>()
        var directories = Set<String>()
        for components in alternatives where !components.isEmpty {
            // Start at the longest literal prefix (all but the last component).
            var start = isAbsolute ? "" : "."
            var index = 0
            while index < components.count - 1 && Self.isLiteral(components[index]) {
                start += "/" + components[index]
                index += 1
            }
            if start.isEmpty { start = "/" }
            walk(directory: start, components: components, index: index, depth: 0, paths: &paths, directories: &directories)
        }
        return Expansion(paths: paths.sorted(), directories: directories.sorted())
    }

    private func walk(directory: String, components: [String], index: Int, depth: Int,
                      paths: inout Set<String>, directories: inout Set<String>) {
        guard depth <= Self.maxDepth else { return }
        let component = components[index]
        let isLast = index == components.count - 1
        func join(_ name: String) -> String {
            if directory == "/" { return "/" + name }
            if directory == "." && !isAbsolute { return name }
            return directory + "/" + name
        }
        if component == "**" {
            if isLast {
                // A trailing `**` matches every file below.
                directories.insert(directory)
                for (name, isDirectory) in Self.entries(of: directory) where !name.hasPrefix(".") {
                    if isDirectory {
                        walk(directory: join(name), components: components, index: index, depth: depth + 1, paths: &paths, directories: &directories)
                    } else {
                        paths.insert(join(name))
                    }
                }
                return
            }
            walk(directory: directory, components: components, index: index + 1, depth: depth, paths: &paths, directories: &directories)
            for (name, isDirectory) in Self.entries(of: directory) where isDirectory && !name.hasPrefix(".") {
                walk(directory: join(name), components: components, index: index, depth: depth + 1, paths: &paths, directories: &directories)
            }
            return
        }
        if Self.isLiteral(component) {
            let next = join(component)
            if isLast {
                directories.insert(directory)
                if access(next, F_OK) == 0 { paths.insert(next) }
            } else if Self.isDirectory(next) {
                walk(directory: next, components: components, index: index + 1, depth: depth + 1, paths: &paths, directories: &directories)
            }
            return
        }
        directories.insert(directory)
        for (name, isDirectory) in Self.entries(of: directory) where Self.componentMatches(name, pattern: component) {
            if isLast {
                paths.insert(join(name))
            } else if isDirectory {
                walk(directory: join(name), components: components, index: index + 1, depth: depth + 1, paths: &paths, directories: &directories)
            }
        }
    }

    /// Whether `path` matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return alternatives.contains { Self.matches(parts[...], $0[...]) }
    }

    /// Exclusion: a pattern without `/` is matched against the file name alone
    /// (`*.gz` excludes compressed files anywhere); otherwise against the whole path.
    public func excludes(_ path: String) -> Bool {
        guard pattern.contains("/") else {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return alternatives.contains { $0.count == 1 && Self.componentMatches(name, pattern: $0[0]) }
        }
        return matches(path)
    }

    private static func matches(_ parts: ArraySlice<String>, _ components: ArraySlice<String>) -> Bool {
        guard let first = components.first else { return parts.isEmpty }
        if first == "**" {
            let rest = components.dropFirst()
            var remaining = parts
            while true {
                if matches(remaining, rest) { return true }
                guard let head = remaining.first, !head.hasPrefix(".") else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let part = parts.first, componentMatches(part, pattern: first) else { return false }
        return matches(parts.dropFirst(), components.dropFirst())
    }

    static func componentMatches(_ name: String, pattern: String) -> Bool {
        isLiteral(pattern) ? name == pattern : fnmatch(pattern, name, FNM_PERIOD) == 0
    }

    static func isLiteral(_ component: String) -> Bool {
        !component.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "\\") }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory, with whether each is a directory (symlinks followed).
    static func entries(of directory: String) -> [(String, Bool)] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var result: [(String, Bool)] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let type = entry.pointee.d_type
            let isDirectory: Bool
            if type == UInt8(DT_DIR) {
                isDirectory = true
            } else if type == UInt8(DT_LNK) || type == UInt8(DT_UNKNOWN) {
                isDirectory = Self.isDirectory(directory == "/" ? "/" + name : directory + "/" + name)
            } else {
                isDirectory = false
            }
            result.append((name, isDirectory))
        }
        return result
    }

    /// `a{b,c}d` → `abd`, `acd`; nested braces expand inside out. Unbalanced braces are literal.
    static func expandBraces(_ pattern: String) -> [String] {
        let characters = Array(pattern)
        guard let open = characters.firstIndex(of: "{") else { return [pattern] }
        var depth = 0
        var close: Int?
        var commas: [Int] = []
        for index in open..<characters.count {
            switch characters[index] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { close = index }
            case "," where depth == 1: commas.append(index)
            default: break
            }
            if close != nil { break }
        }
        guard let close else { return [pattern] }
        let prefix = String(characters[..<open])
        let suffixes = expandBraces(String(characters[(close + 1)...]))
        let bounds = [open] + commas + [close]
        var result: [String] = []
        for index in 0..<(bounds.count - 1) {
            let inner = String(characters[(bounds[index] + 1)..<bounds[index + 1]])
            for option in expandBraces(inner) {
                for suffix in suffixes { result.append(prefix + option + suffix) }
            }
        }
        return result
    }

    /// The existing paths a pattern names (convenience for one-off checks).
    public static func expand(_ pattern: String) -> [String] {
        FileGlob(pattern).expand().paths
    }

    public static func matches(_ path: String, pattern: String) -> Bool {
        FileGlob(pattern).matches(path)
    }
}
