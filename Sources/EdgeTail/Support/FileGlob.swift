#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands shell-style globs (`*`, `?`, `[…]`, `{a,b}`) to the paths that exist now.
public enum FileGlob {
    public static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        #if canImport(Glibc)
        let flags = GLOB_BRACE | GLOB_TILDE
        #else
        let flags = GLOB_BRACE | GLOB_TILDE
        #endif
        guard glob(pattern, flags, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] {
                paths.append(String(cString: path))
            }
        }
        return paths
    }

    /// Whether `path` matches `pattern` (`fnmatch`, with `*` not crossing `/`).
    public static func matches(_ path: String, pattern: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME) == 0
    }
}
