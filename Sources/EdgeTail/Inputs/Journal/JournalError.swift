#if canImport(Glibc)
import Glibc
#endif

/// What can go wrong with the journal, in words an operator can act on.
public enum JournalError: Error, Sendable, CustomStringConvertible {
    /// The journal (or a file or directory of it) could not be opened.
    case cannotOpen(what: String, errno: Int32)
    /// The reader lacks the rights to read the journal.
    case permissionDenied(what: String)
    /// A `matches:` entry the journal refused.
    case invalidMatch(String, errno: Int32)
    /// Moving through the journal or reading an entry failed.
    case readFailed(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotOpen(let what, let code):
            "cannot open the journal \(what): \(Self.reason(code))"
        case .permissionDenied(let what):
            "permission denied reading the journal \(what): run edgetail as a user in the 'systemd-journal' group "
                + "(usermod -aG systemd-journal USER), or as root"
        case .invalidMatch(let match, let code):
            "the journal refused the match '\(match)': \(Self.reason(code))"
        case .readFailed(let operation, let code):
            "reading the journal failed (\(operation)): \(Self.reason(code))"
        }
    }

    /// libsystemd returns negative errno values.
    static func reason(_ code: Int32) -> String {
        String(cString: strerror(abs(code)))
    }

    /// The error for a failed open, naming the group when it is a matter of rights.
    static func opening(_ what: String, result: Int32) -> JournalError {
        abs(result) == EACCES || abs(result) == EPERM ? .permissionDenied(what: what) : .cannotOpen(what: what, errno: abs(result))
    }
}
