extension PipelineCounts {
    /// `invalid values left out: 3 client addresses, 2 FPID`, for summaries; nil when none were.
    public var invalidValuesText: String? {
        var parts: [String] = []
        if invalidClientAddresses > 0 { parts.append("\(invalidClientAddresses) client address\(invalidClientAddresses == 1 ? "" : "es")") }
        for (namespace, count) in invalidIdentities.sorted(by: { $0.key < $1.key }) where count > 0 {
            parts.append("\(count) \(namespace)")
        }
        return parts.isEmpty ? nil : "invalid values left out: " + parts.joined(separator: ", ")
    }
}
