import Foundation

/// The `Content-Type` values Edge accepts on `/ee/v2/collect`.
enum CollectMediaType {
    /// Adobe's documented list; `application/x-jackson-smile` is accepted here but its
    /// binary body is not parsed, so it fails as not JSON (EXEG-0101-400).
    static let accepted: Set<String> = [
        "application/json", "application/x-jackson-smile", "text/plain", "text/javascript",
    ]

    /// Checks a `Content-Type` header: absent or not `type/subtype` is EXEG-0106-400,
    /// a media type not in ``accepted`` EXEG-0111-415. Parameters such as `charset`
    /// are allowed, and case does not matter.
    static func check(_ header: String?) throws(EdgeProblem) {
        guard let header else { throw .badContentType(nil) }
        let essence = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            .first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !essence.contains(" ") else {
            throw .badContentType(header)
        }
        guard accepted.contains(essence) else {
            throw .unsupportedMediaType(essence)
        }
    }
}
